#!/usr/bin/env bash
# ktest_state_limit.sh - on a real Kafka cluster, a freelancer whose state
# would grow without bound does not stall its partition.
#
# The history of state_limit_lib.sh (f-hoarder completes 20 contracts
# more than a state keeps, among 3,000 generated events before and after)
# is produced to topics made as an operator makes them (changelog
# compacted, broker defaults for message sizes), and one instance runs
# it under exactly-once. Asserts: it applies every other event and
# dead-letters exactly those 20, each saying why; no batch aborts (the
# largest state record, f-hoarder's at the limit, is taken by the
# broker); the badge events read at read_committed equal the replay's,
# f-hoarder's grant after the limit included.
. "$(dirname "$0")/kafka_real_lib.sh"
. "$(dirname "$0")/state_limit_lib.sh"
kr_use_shared_cluster

prefix="bp-limit-$$-$(date +%s)."
kr_topics "$prefix" 3
kr_topic_opts "$prefix"
sl_history "$work/in.jsonl"
total=$(wc -l <"$work/in.jsonl")
sl_replay "$eos_rules" "$work/in.jsonl" "$work/want.jsonl"
timeout 300 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/in.jsonl" --in-order \
        --topic-prefix "$prefix" --schema-map "$schema_map" 2>"$work/produce.log" ||
        fail "produce: $(tail -n 3 "$work/produce.log")"

eos_start a "$work/a" "${kr_opts[@]}"
eos_wait_log a "applied=$((total - 20)) .*dead_lettered=20 " 180
eos_stop a
grep 'event=stopped' "$work/a.err" | grep -q ' aborted=0 ' ||
        fail "batches were aborted: $(grep 'event=stopped' "$work/a.err")"
echo "  applied $((total - 20)) of $total events, dead-lettered 20, no batch aborted"

eos_read "${prefix}badge-dlq" "$work/dlq.jsonl"
sl_check_dlq "$work/dlq.jsonl" "$prefix"
eos_read "${prefix}badge-events" "$work/got.jsonl"
eos_judge "$work/got.jsonl" "$work/want.jsonl"
[ "$eos_dups" -eq 0 ] || fail "$eos_dups badge events delivered twice at read_committed"
echo "ok: real Kafka: the state stayed bounded, the partition never stalled, nothing else was lost"
