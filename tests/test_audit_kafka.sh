#!/usr/bin/env bash
# test_audit_kafka.sh - the history tools reading Kafka, on a mock cluster
# run by `badgeproc mock-cluster` (3 partitions per topic).
#
# A generated history (strictly increasing occurred_at, as `gen` writes
# it) is produced to the four input topics. Asserts:
#  - determinism: replaying the same range twice gives byte-identical
#    output, and replaying from Kafka gives the file replay's output byte
#    for byte once cause.topic/partition/offset (Kafka's positions, not
#    the file's) are blanked on both sides; the same for a --from/--to
#    range against the file's events in that time range;
#  - --output-topic: the badge events reach the topic (read back with
#    consume, same lines) and an audit of that topic finds nothing;
#    a live topic name is refused;
#  - explain and what-if from Kafka say what they say from the file.
# Every wait is bounded.
. "$(dirname "$0")/kafka_lib.sh"

rules="$BP_SRC/tests/data/rules-gen"
# blank FILE: cause positions removed, the rest as it is
blank() { sed -E 's/,"topic":"[^"]*","partition":[0-9]+,"offset":[0-9]+\}/}/' "$1"; }
run() { timeout 60 "$BP_BIN" "$@" 2>>"$work/err" || fail "$*: $(tail -3 "$work/err")"; }

mc_start --brokers 1 --partitions 3
"$BP_BIN" gen --events 3000 --freelancers 200 --partners 5 >"$work/ev.jsonl"
run produce --brokers "$bootstrap" --input "$work/ev.jsonl" \
        --schema-map "$schema_map"
K=(--rules "$rules" --brokers "$bootstrap" --schema-map "$schema_map")

# --- determinism
run replay -q --rules "$rules" --input "$work/ev.jsonl" >"$work/file.out"
run replay -q "${K[@]}" >"$work/k1.out"
run replay -q "${K[@]}" >"$work/k2.out"
[ -s "$work/k1.out" ] || fail "replay from Kafka published nothing"
cmp "$work/k1.out" "$work/k2.out" || fail "two replays of one range differ"
cmp <(blank "$work/file.out") <(blank "$work/k1.out") ||
        fail "replay from Kafka differs from replay from the file"
grep -q '"topic":"partner-decision","partition":[0-2],"offset":' \
        "$work/k1.out" || fail "causes do not carry Kafka's positions"

# --- a time range: the file's events in [from, to)
from=1767226500000 to=1767227700000
jq -c "select(.occurred_at >= $from and .occurred_at < $to)" \
        "$work/ev.jsonl" >"$work/ev-range.jsonl"
run replay -q --rules "$rules" --input "$work/ev-range.jsonl" >"$work/rf.out"
run replay -q "${K[@]}" --from 2026-01-01T00:15:00Z --to $to >"$work/rk.out"
[ -s "$work/rk.out" ] || fail "the range published nothing"
cmp <(blank "$work/rf.out") <(blank "$work/rk.out") ||
        fail "replay of a time range differs from the file's range"

# --- output topic, then an audit of it
run replay -q "${K[@]}" --output-topic replay-check >"$work/none"
[ ! -s "$work/none" ] || fail "--output-topic also wrote to stdout"
run consume --brokers "$bootstrap" --topic replay-check --from-beginning \
        --exit-at-end --schema-map "$schema_map" >"$work/topic.out"
cmp <(sort "$work/k1.out") <(sort "$work/topic.out") ||
        fail "the output topic holds other events"
run audit "${K[@]}" --published-topic replay-check >"$work/audit.out"
grep -q '^no discrepancies' "$work/audit.out" || fail "$(cat "$work/audit.out")"
set +e
timeout 30 "$BP_BIN" replay "${K[@]}" --output-topic badge-events \
        >/dev/null 2>"$work/live.err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a live output topic: exit $rc"
grep -q 'badge-events is a live topic' "$work/live.err" || fail "$(cat "$work/live.err")"

# --- explain and what-if: the same answers as from the file
f=$(jq -r .freelancer_id "$work/file.out" | head -n 1)
run explain --rules "$rules" --input "$work/ev.jsonl" --freelancer "$f" \
        --json >"$work/xf.json"
run explain "${K[@]}" --freelancer "$f" --json >"$work/xk.json"
outcomes='[.timeline[] | .event.event_id, [.partners[] | .outcome, .holds]]'
diff <(jq -c "$outcomes" "$work/xf.json") <(jq -c "$outcomes" "$work/xk.json") ||
        fail "explain from Kafka differs"
run what-if --rules "$rules" --input "$work/ev.jsonl" \
        --new-rules "$BP_SRC/tests/data/audit/rules-new" >"$work/wf.out"
run what-if "${K[@]}" --new-rules "$BP_SRC/tests/data/audit/rules-new" \
        >"$work/wk.out"
cmp "$work/wf.out" "$work/wk.out" || fail "what-if from Kafka differs"

mc_stop
echo "ok: replay, audit, explain and what-if from Kafka agree with the file"
