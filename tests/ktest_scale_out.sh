#!/usr/bin/env bash
# ktest_scale_out.sh - on a real Kafka cluster: one instance becomes three
# while a generator produces, then one of them is killed with SIGKILL and a
# fresh instance with an empty state directory takes its place.
#
# The generator is `badgeproc produce --in-order`: each record is
# delivered before the next is sent, so a task never sees a record before
# every earlier one of its partition, and the merge's order is the
# file's order however far behind or caught up the instances are: the
# replay of the same file is an exact oracle. Asserts, reading badge-events
# with isolation.level=read_committed: every replay event, none unexpected,
# zero duplicates, the replay's order per freelancer; the stores' state
# equals the replay's; the fresh instance restored its partitions from the
# changelog (full restores with records).
. "$(dirname "$0")/kafka_real_lib.sh"
kr_use_shared_cluster

prefix="bp-scale-$$-$(date +%s)."
kr_topics "$prefix" 6
kr_topic_opts "$prefix"
events=24000
kr_history $events 3000 21

"$BP_BIN" produce --brokers "$bootstrap" --input "$work/in.jsonl" --in-order \
        --topic-prefix "$prefix" --schema-map "$schema_map" 2>"$work/produce.log" &
gen_pid=$!
bg_pids+=("$gen_pid")

opts=("${kr_opts[@]}" batch.max.events=100 commit.interval.ms=50)
eos_start a "$work/a" "${opts[@]}"
eos_wait_offsets "$work/a" 2000 60
echo "  a alone: $(eos_offsets_sum "$work/a") inputs; b and c join"
eos_start b "$work/b" "${opts[@]}"
eos_start c "$work/c" "${opts[@]}"
eos_wait_log b 'event=assigned' 60
eos_wait_log c 'event=assigned' 60
eos_wait_offsets "$work/b" 1000 60
eos_kill b
echo "  b killed with $(eos_offsets_sum "$work/b") inputs in its store; d starts empty"
eos_start d "$work/d" "${opts[@]}"
eos_wait_log d 'event=restored partition=[0-9]+ .*records=[1-9]' 60
wait "$gen_pid" || fail "the generator failed: $(tail -n 3 "$work/produce.log")"
eos_wait_offsets "$work/a" "$work/c" "$work/d" $events 180
for n in a c d; do eos_stop "$n"; done

full=$(grep -c 'event=restore_started .*full=true' "$work/d.err" || true)
echo "  d: $full full restores from the changelog"
[ "$full" -gt 0 ] || fail "d restored nothing from the changelog"
eos_read "${prefix}badge-events" "$work/got.jsonl" -X isolation.level=read_committed
eos_judge "$work/got.jsonl" "$work/want.jsonl"
[ "$eos_dups" -eq 0 ] || fail "$eos_dups duplicates under read_committed"
eos_same_state "$work/want.state" "$work/a" "$work/b" "$work/c" "$work/d"
echo "ok: real Kafka: 1 -> 3 instances while streaming, kill -9 and a fresh instance: exactly once"
