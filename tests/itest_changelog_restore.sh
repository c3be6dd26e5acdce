#!/usr/bin/env bash
# itest_changelog_restore.sh - a full restore keeps exactly the committed
# states of the changelog, whether it was compacted or shows a batch cut
# short.
#
# run1 works through 3,000 events in batches of 50 and stops cleanly;
# its store is the reference. Two copies of its changelog then go to
# other topics (tests/changelog_copy.py), and for each a runner with an
# empty store restores every partition from the copy; its store must
# equal run1's, freelancer for freelancer:
# - compacted: of each key only the last record per partition, in order,
#   with its headers (what Kafka's log cleaner leaves, which the mock
#   cluster does not do). Only the last seal (__offsets record) of a
#   partition survives, so a full restore reads many batches' states
#   before it: all committed, all to keep. The restore used to filter
#   them by that one seal's batch attempt and dropped every older
#   batch's states (76 of 300 freelancers came back). Its log must say
#   it kept compacted batches whole.
# - garbled: every seal's bp.first, and every other seal's bp.prev,
#   replaced by garbage (not a number, empty, a tail, below -1, too
#   long): the restore must read a garbled bp.prev as a window it cannot
#   vouch for (counted as compacted), keep every state where either is
#   garbage, and still restore run1's store.
# - cut short: partition 0 as written, plus three state records of
#   freelancers that do not exist, with no seal, inserted after a seal
#   (what an aborted or killed batch leaves where read_committed is not
#   enforced, as on the mock cluster); the later seals' offset headers
#   moved to match. The next seal names its first state (bp.first), and
#   the restore must leave the three out.
. "$(dirname "$0")/itest_lib.sh"

total=3000
topics="profile-updated,contract-completed,invitation-sent,partner-decision"
topics="$topics,badge-events,badge-dlq,badge-state-changelog"
mc_start --brokers 1 --partitions 3 \
        --topics "$topics,changelog-compacted,changelog-cut,changelog-garbled"
"$BP_BIN" gen --events "$total" --freelancers 300 >"$work/events.jsonl"
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/events.jsonl" \
        --schema-map "$schema_map" 2>"$work/produce.err" ||
        fail "produce failed: $(cat "$work/produce.err")"

run_start run1 batch.max.events=50
run_wait applied "$total" 60
sleep 1 # the last batch commits
run_stop
(cd "$BP_SRC" && "$BP_BIN" state dump --state-dir "$run_state") >"$work/dump1" ||
        fail "state dump of run1's store failed"
states=$(wc -l <"$work/dump1")
[ "$states" -ge 250 ] || fail "run1's store holds only $states freelancers"

# restore_from NAME TOPIC: a runner with an empty store and TOPIC as its
# changelog restores every partition, stops, and its store is dumped to
# $work/dump-NAME.
restore_from() {
        run_state="$work/state-$1"
        run_start "$1" "topics.changelog=$2" "kafka.group.id=$1" "instance.id=$1"
        run_wait_log 'event=restored partition=' 3 60
        run_stop
        (cd "$BP_SRC" && "$BP_BIN" state dump --state-dir "$run_state") \
                >"$work/dump-$1" || fail "state dump of $1's store failed"
        if ! diff -q "$work/dump1" "$work/dump-$1" >/dev/null; then
                echo "  run1: $states freelancers, $1: $(wc -l <"$work/dump-$1")" >&2
                diff "$work/dump1" "$work/dump-$1" | head -5 | cut -c1-160 >&2
                fail "the store restored from $2 differs from run1's"
        fi
}

copy() {
        timeout 120 /usr/bin/python3 "$BP_SRC/tests/changelog_copy.py" "$1" \
                "$bootstrap" badge-state-changelog "$2" >"$work/$1.out" 2>&1 ||
                fail "changelog_copy.py $1 failed: $(cat "$work/$1.out")"
        cat "$work/$1.out"
}

# --- compacted
read -r _ all _ kept _ seals < <(copy compact changelog-compacted)
echo "  changelog: $all records; compacted: $kept kept, $seals seals"
[ "$seals" -eq 3 ] || fail "the compacted copy should keep one seal per partition, it kept $seals"
[ "$all" -gt $((kept + 20)) ] || fail "compaction removed too little to test anything ($all -> $kept)"
restore_from compacted changelog-compacted
grep -E 'event=restored partition=' "$work/compacted.err" |
        grep -qE 'compacted_batches=[1-9]' ||
        fail "the restore did not see the compacted windows: $(grep 'event=restored' "$work/compacted.err")"
echo "  compacted: all $states freelancers restored from $kept of $all records"

# --- garbled offset headers
read -r _ garbled _ prev < <(copy garble changelog-garbled)
restore_from garbled changelog-garbled
kept=$(grep -E 'event=restored partition=' "$work/garbled.err" |
        sed -nE 's/.* compacted_batches=([0-9]+).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
[ "$kept" -eq "$prev" ] ||
        fail "of $prev seals with a garbage bp.prev, $kept were read as windows to keep whole"
echo "  garbled: $garbled seals with a garbage bp.first ($prev also bp.prev); all $states freelancers restored"

# --- cut short
read -r _ at _ first < <(copy cut changelog-cut)
echo "  cut short: 3 unsealed states inserted at offset $at of partition 0; the next seal's first state is at $first"
restore_from cut changelog-cut
echo "ok: full restores from a compacted changelog, from one with garbage seal headers and from one with a batch cut short gave run1's $states freelancers"
