#!/usr/bin/env bash
# itest_compacted_restore.sh - a full restore from a compacted changelog
# keeps every committed state.
#
# A real cluster compacts the changelog: of each key only the last record
# stays, so of a partition's seals (key __offsets) only the last one, and
# a full restore reads the states of many batches before that one seal.
# The mock cluster does not compact, so the test does it: run1 works
# through 3,000 events in batches of 50 and stops cleanly; a copy of its
# changelog keeping only the last record of each key per partition, in
# order and with its headers (what the log cleaner leaves), goes to
# another topic; run2, with an empty store and that copy as its
# changelog, restores every partition from it. Its store must then equal
# run1's, freelancer for freelancer. (Filtering the window before the one
# remaining seal by that seal's batch attempt, the restore used to drop
# every older batch's states; see BP_PREV_SEAL_HEADER.) The restore's log
# must also say it kept compacted batches whole.
. "$(dirname "$0")/itest_lib.sh"

total=3000
compacted=badge-state-changelog-compacted
mc_start --brokers 1 --partitions 3 --topics "profile-updated,contract-completed,\
invitation-sent,partner-decision,badge-events,badge-dlq,badge-state-changelog,$compacted"
"$BP_BIN" gen --events "$total" --freelancers 300 >"$work/events.jsonl"
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/events.jsonl" \
        --schema-map "$schema_map" 2>"$work/produce.err" ||
        fail "produce failed: $(cat "$work/produce.err")"

run_start run1 batch.max.events=50
run_wait applied "$total" 60
run_wait_log 'event=progress .* batches=[1-9]' 1 30
sleep 1 # the last batch commits
run_stop
(cd "$BP_SRC" && "$BP_BIN" state dump --state-dir "$run_state") >"$work/dump1" ||
        fail "state dump of run1's store failed"
states=$(wc -l <"$work/dump1")
[ "$states" -ge 250 ] || fail "run1's store holds only $states freelancers"

# The log cleaner's result: the last record of each key per partition,
# in offset order, headers kept.
timeout 120 /usr/bin/python3 - "$bootstrap" badge-state-changelog "$compacted" \
        >"$work/compact.out" 2>&1 <<'EOF' || fail "compacting copy failed: $(cat "$work/compact.out")"
import sys
from confluent_kafka import Consumer, Producer, TopicPartition

brokers, src, dst = sys.argv[1:4]
c = Consumer({"bootstrap.servers": brokers, "group.id": "compactor",
              "enable.auto.commit": False, "enable.partition.eof": True})
parts = c.list_topics(src, timeout=10).topics[src].partitions
c.assign([TopicPartition(src, p, 0) for p in parts])
logs, left = {p: [] for p in parts}, set(parts)
while left:
    m = c.poll(5)
    if m is None:
        sys.exit("no record in 5 s")
    if m.error():
        if m.error().code() == -191:  # _PARTITION_EOF
            left.discard(m.partition())
            continue
        sys.exit(str(m.error()))
    logs[m.partition()].append((m.key(), m.value(), m.headers() or []))
c.close()
p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True})
kept = seals = 0
for part, recs in logs.items():
    last = {k: i for i, (k, _, _) in enumerate(recs)}
    for i, (k, v, h) in enumerate(recs):
        if last[k] == i:
            p.produce(dst, value=v, key=k, partition=part, headers=h)
            kept += 1
            seals += k == b"__offsets"
p.flush(30)
print("records", sum(len(r) for r in logs.values()), "kept", kept, "seals", seals)
EOF
read -r _ all _ kept _ seals <"$work/compact.out"
echo "  changelog: $all records; compacted: $kept kept, $seals seals"
[ "$seals" -eq 3 ] || fail "the compacted copy should keep one seal per partition, it kept $seals"
[ "$all" -gt $((kept + 20)) ] || fail "compaction removed too little to test anything ($all -> $kept)"

# run2: an empty store, the compacted copy as changelog.
run_state="$work/state2"
run_start run2 "topics.changelog=$compacted" kafka.group.id=compacted \
        instance.id=restorer
run_wait_log 'event=restored partition=' 3 60
run_stop
(cd "$BP_SRC" && "$BP_BIN" state dump --state-dir "$run_state") >"$work/dump2" ||
        fail "state dump of run2's store failed"
if ! diff -q "$work/dump1" "$work/dump2" >/dev/null; then
        echo "  run1: $states freelancers, run2: $(wc -l <"$work/dump2")" >&2
        diff "$work/dump1" "$work/dump2" | head -5 | cut -c1-160 >&2
        fail "the store restored from the compacted changelog differs from run1's"
fi
grep -E 'event=restored partition=' "$work/run2.err" |
        grep -qE 'compacted_batches=[1-9]' ||
        fail "run2's restore did not see the compacted windows: $(grep 'event=restored' "$work/run2.err")"
echo "ok: a full restore from a compacted changelog ($kept of $all records) rebuilt all $states freelancers"
