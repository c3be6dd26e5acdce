#!/usr/bin/env bash
# itest_restart.sh - SIGTERM mid-stream, start again on the same state
# directory: over both runs, the output of one uninterrupted run.
#
# `badgeproc gen` writes 12,000 events. Two thirds are produced before
# the runner starts; the rest is produced while it works through the
# backlog in small batches (batch.max.events=200), and the runner gets
# SIGTERM once it has applied a quarter of the events, while the rest is
# still being produced or waiting. It must finish its batch, commit and
# exit 0. A second runner on the same state directory picks up from the
# stored offsets. Checked: the two runs applied exactly 12,000 input
# records between them (none twice, none skipped), and badge-events holds
# exactly what `badgeproc replay` of the whole file publishes: the same
# event_id multiset (no event lost, none repeated), the same fields, the
# same order per freelancer.
#
# The late third is produced while the runner still has a backlog on
# every input, so its records are queued before the merge needs them and
# the merge order stays the timestamp order the replay's file order is.
. "$(dirname "$0")/itest_lib.sh"

total=12000
mc_start --brokers 3 --partitions 3
"$BP_BIN" gen --events "$total" --freelancers 600 >"$work/events.jsonl"
head -n 8000 "$work/events.jsonl" >"$work/early.jsonl"
tail -n +8001 "$work/events.jsonl" >"$work/late.jsonl"

timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/early.jsonl" \
        --schema-map "$schema_map" 2>"$work/produce.err" ||
        fail "produce failed: $(cat "$work/produce.err")"

run_start run1 batch.max.events=200
run_wait batches 1 30 # joined and working: now the late third
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/late.jsonl" \
        --schema-map "$schema_map" 2>"$work/produce-late.err" &
producer=$!
bg_pids+=("$producer")

run_wait applied $((total / 4)) 60
if kill -0 "$producer" 2>/dev/null; then when="while the late third was being produced"; else when="with the late third produced, not yet processed"; fi
echo "  SIGTERM at applied=$(run_count applied), $when"
run_stop
first=$(run_count applied)
[ "$first" -lt "$total" ] || fail "the first run applied everything: the stop was not mid-stream"
wait "$producer" || fail "produce of the late third failed: $(cat "$work/produce-late.err")"

run_start run2
run_wait applied $((total - first)) 60
run_stop
second=$(run_count applied)
grep -q 'event=restored partition=' "$work/run2.err" || fail "run2 restored nothing"
echo "  applied: $first + $second = $((first + second)) of $total input records"
[ $((first + second)) -eq "$total" ] ||
        fail "the runs applied $first + $second records, not $total"

read_topic badge-events "$work/out.jsonl"
replay_of "$run_rules" "$work/events.jsonl" "$work/replay.jsonl"
same_events "$work/out.jsonl" "$work/replay.jsonl"
mc_stop
echo "ok: stopped mid-stream and restarted: nothing lost, nothing repeated"
