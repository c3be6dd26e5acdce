#!/usr/bin/env bash
# test_produce_consume.sh - JSON Lines -> `badgeproc produce` -> Kafka ->
# `badgeproc consume` -> the same JSON Lines (and through `consume --dump`
# and `convert --input-format framed`, the same again).
#
# On a mock cluster run by `badgeproc mock-cluster`: every event of
# tests/data/kafka/roundtrip.jsonl (all four types, nulls, lists, a
# non-ASCII reason) comes back byte for byte; each record is keyed by its
# freelancer_id and stamped with its occurred_at; one freelancer's events
# share a partition number on every input topic; bad lines are reported by
# number and skipped with exit status 3 (an occurred_at of 0 too: librdkafka
# would read it as "now"); --max and --exit-at-end on an
# empty topic end promptly; a missing topic is refused. Every wait is
# bounded.
. "$(dirname "$0")/kafka_lib.sh"

fixture="$BP_SRC/tests/data/kafka/roundtrip.jsonl"
inputs="profile-updated contract-completed invitation-sent partner-decision"

# consume_all [ARGS...]: every input topic, from the beginning to the end.
consume_all() {
        local t
        for t in $inputs; do
                timeout 30 "$BP_BIN" consume --brokers "$bootstrap" \
                        --topic "$t" --from-beginning --exit-at-end \
                        --schema-map "$schema_map" "$@" 2>>"$work/consume.err" ||
                        fail "consume $t failed: $(cat "$work/consume.err")"
        done
}

mc_start --brokers 3 --partitions 3

# --- produce the fixture: every line delivered
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$fixture" \
        --schema-map "$schema_map" 2>"$work/produce.err" ||
        fail "produce failed: $(cat "$work/produce.err")"
grep -q 'lines=10 delivered=10 rejected=0 failed=0' "$work/produce.err" ||
        fail "produce counts: $(cat "$work/produce.err")"

# --- the same lines come back (order across topics and partitions is not
# kept, so both sides are sorted)
consume_all >"$work/back"
sort "$fixture" >"$work/expected"
sort "$work/back" >"$work/got"
diff -u "$work/expected" "$work/got" >&2 || fail "round trip changed the events"

# --- consume --dump writes each topic's values as a framed-record dump,
# which convert reads back (four files, merged) into the same events
dump_topic() {
        timeout 30 "$BP_BIN" consume --brokers "$bootstrap" --topic "$1" \
                --from-beginning --exit-at-end --schema-map "$schema_map" \
                --dump "$work/$1.dump" >/dev/null 2>>"$work/consume.err"
}
dumps=()
for t in $inputs; do
        dump_topic "$t" || fail "consume --dump $t failed: $(cat "$work/consume.err")"
        dumps+=(--input "$work/$t.dump")
done
"$BP_BIN" convert -q --input-format framed "${dumps[@]}" --schema-map "$schema_map" \
        --output-format jsonl 2>"$work/convert.err" | sort >"$work/got" ||
        fail "convert of the dumps failed: $(cat "$work/convert.err")"
diff -u "$work/expected" "$work/got" >&2 || fail "the dumps do not hold the events"

# --- key = freelancer_id, timestamp = occurred_at, on every record
consume_all --with-kafka >"$work/meta"
n=$(grep -cE '"freelancer_id":"([^"]*)","occurred_at":([0-9]+),.*"kafka":\{"topic":"[^"]+","partition":[0-9]+,"offset":[0-9]+,"timestamp":\2,"key":"\1"\}\}$' \
        "$work/meta" || true)
[ "$n" -eq 10 ] || fail "$n of 10 records keyed and stamped right: $(cat "$work/meta")"

# --- one freelancer, one partition number, whatever the topic
sed -E 's/.*"partition":([0-9]+),.*"key":"([^"]*)".*/\2 \1/' "$work/meta" |
        sort -u >"$work/placement"
[ "$(cut -d' ' -f1 "$work/placement" | uniq -d | wc -l)" -eq 0 ] ||
        fail "a freelancer's events are in different partitions: $(cat "$work/placement")"

# --- bad lines are reported by number and skipped; the good one goes out
printf '%s\n' '{"type":"nope"}' "$(head -n 1 "$fixture")" 'not json' \
        "$(head -n 1 "$fixture" | sed 's/"occurred_at":[0-9]*/"occurred_at":0/')" \
        >"$work/mixed"
set +e
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/mixed" \
        --schema-map "$schema_map" 2>"$work/produce.err"
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "produce of bad lines: exit $rc, expected 3"
grep -q '^line 1: unknown type "nope"$' "$work/produce.err" ||
        fail "line 1 not reported: $(cat "$work/produce.err")"
grep -q '^line 3: invalid JSON' "$work/produce.err" ||
        fail "line 3 not reported: $(cat "$work/produce.err")"
grep -q '^line 4: occurred_at 0 cannot be a Kafka timestamp' \
        "$work/produce.err" || fail "line 4 not reported: $(cat "$work/produce.err")"
grep -q 'delivered=1 rejected=3 failed=0' "$work/produce.err" ||
        fail "mixed counts: $(cat "$work/produce.err")"

# --- --max stops early; an empty topic ends at once
timeout 30 "$BP_BIN" consume --brokers "$bootstrap" --topic partner-decision \
        --from-beginning --max 2 --schema-map "$schema_map" >"$work/two" \
        2>>"$work/consume.err" || fail "consume --max failed"
[ "$(wc -l <"$work/two")" -eq 2 ] || fail "--max 2 printed $(wc -l <"$work/two") lines"
timeout 30 "$BP_BIN" consume --brokers "$bootstrap" --topic badge-events \
        --from-beginning --exit-at-end --schema-map "$schema_map" \
        >"$work/none" 2>>"$work/consume.err" || fail "consume of an empty topic failed"
[ ! -s "$work/none" ] || fail "an empty topic printed something"

# --- a topic that does not exist is an error, and is not created
set +e
timeout 30 "$BP_BIN" consume --brokers "$bootstrap" --topic no-such-topic \
        --exit-at-end --schema-map "$schema_map" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "consume of a missing topic: exit $rc, expected 1"
grep -q 'topic no-such-topic does not exist' "$work/err" || fail "$(cat "$work/err")"
timeout 20 kcat -L -b "$bootstrap" >"$work/meta"
! grep -q no-such-topic "$work/meta" || fail "the missing topic was created"

mc_stop
echo "ok: JSON Lines -> produce -> consume gave the same lines"
