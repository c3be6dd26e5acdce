#!/usr/bin/env bash
# ktest_fencing.sh - a zombie on a real Kafka cluster: instance z is
# stalled with SIGSTOP mid-stream, a second instance with the same
# instance.id (another machine: its own empty state directory) starts and
# takes over, then the first is resumed with SIGCONT.
#
# The broker fences the zombie twice over: the new instance's
# init_transactions bumps the producer epoch of the shared
# transactional.id (aborting the zombie's open transaction), and its join
# with the same group.instance.id replaces the zombie's membership.
# Asserts: the zombie exits with status 1 and logs event=fenced; the new
# instance goes on and finishes the input; badge-events read with
# isolation.level=read_committed equal the replay's, zero duplicates; the
# new instance's store equals the replay's state.
. "$(dirname "$0")/kafka_real_lib.sh"
kr_use_shared_cluster

prefix="bp-fence-$$-$(date +%s)."
kr_topics "$prefix" 4
kr_topic_opts "$prefix"
events=16000
kr_history $events 2000 31
kr_generate "$work/in.jsonl" "$prefix" 1000 0.5

opts=("${kr_opts[@]}" batch.max.events=100 commit.interval.ms=50)
eos_start z.1 "$work/z1" "${opts[@]}"
eos_wait_offsets "$work/z1" 2000 60
kill -STOP "${eos_pid[z.1]}"
echo "  z.1 stopped (SIGSTOP) with $(eos_offsets_sum "$work/z1") inputs in its store; z.2 starts"
eos_start z.2 "$work/z2" "${opts[@]}"
eos_wait_log z.2 'event=batch_committed|event=assigned' 60
eos_wait_offsets "$work/z2" 4000 90
kill -CONT "${eos_pid[z.1]}"
echo "  z.1 resumed (SIGCONT)"
exit_wait "${eos_pid[z.1]}" "the zombie z.1" 60 SIGCONT
[ "$exit_rc" -eq 1 ] || fail "the zombie exited with status $exit_rc, not 1"
grep -q 'event=fenced' "$work/z.1.err" || fail "the zombie did not log event=fenced"
echo "  z.1 exited 1: $(grep -m1 'event=fenced' "$work/z.1.err" | cut -c1-200)"

wait "$gen_pid" || fail "the generator failed: $(tail -n 3 "$work/produce.log")"
eos_wait_offsets "$work/z2" $events 120
kill -0 "${eos_pid[z.2]}" 2>/dev/null || fail "z.2 exited"
eos_stop z.2
eos_read "${prefix}badge-events" "$work/got.jsonl" -X isolation.level=read_committed
eos_judge "$work/got.jsonl" "$work/want.jsonl"
[ "$eos_dups" -eq 0 ] || fail "$eos_dups duplicates under read_committed"
eos_same_state "$work/want.state" "$work/z2"
echo "ok: real Kafka: the zombie was fenced by the broker and exited 1; output exactly once"
