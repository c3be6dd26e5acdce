#!/usr/bin/env bash
# itest_state_limit.sh - a freelancer whose state would grow without
# bound does not stall its partition (mock cluster).
#
# The history of state_limit_lib.sh: f-hoarder completes 20 contracts
# more than a state keeps, among 3,000 generated events before and after.
# Asserts: the runner applies every other event and dead-letters exactly
# those 20, each saying why; it never aborts a batch; the badge events it
# publishes equal the replay's (which refuses the same 20), f-hoarder's
# grant after the limit included; its resident set stays small.
. "$(dirname "$0")/itest_lib.sh"
. "$(dirname "$0")/state_limit_lib.sh"

mc_start --brokers 1 --partitions 3
sl_history "$work/events.jsonl"
total=$(wc -l <"$work/events.jsonl")
timeout 120 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/events.jsonl" \
        --schema-map "$schema_map" 2>"$work/produce.err" ||
        fail "produce failed: $(tail -n 3 "$work/produce.err")"
sl_replay "$run_rules" "$work/events.jsonl" "$work/replay.jsonl"

# A small AddressSanitizer quarantine (ignored by other builds): the RSS
# bound measures the runner, not the sanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
run_start run
run_wait dead_lettered 20 120
run_wait applied $((total - 20)) 120
rss=$(run_rss)
run_stop
[ "$(run_count applied)" -eq $((total - 20)) ] || fail "applied $(run_count applied) of $((total - 20))"
[ "$(run_count dead_lettered)" -eq 20 ] || fail "dead-lettered $(run_count dead_lettered), not 20"
[ "$(run_count aborted)" -eq 0 ] || fail "$(run_count aborted) batches aborted"
echo "  applied $((total - 20)) of $total events, dead-lettered 20, no batch aborted; VmRSS ${rss} KiB"
[ "$rss" -lt 131072 ] || fail "the runner's resident set reached $rss KiB"

read_topic badge-dlq "$work/dlq.jsonl"
sl_check_dlq "$work/dlq.jsonl"
read_topic badge-events "$work/out.jsonl"
same_events "$work/out.jsonl" "$work/replay.jsonl"
mc_stop
echo "ok: the state stayed bounded, the partition never stalled, nothing else was lost"
