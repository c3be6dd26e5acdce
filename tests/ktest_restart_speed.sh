#!/usr/bin/env bash
# ktest_restart_speed.sh - how soon a restarted instance works again, on a
# real Kafka cluster: one instance of three is killed with SIGKILL and
# started again at once on its state directory, five times, while a
# generator produces.
#
# Each instance is a static member of the group (group.instance.id =
# instance.id, KIP-345): the restarted one rejoins under the same id and
# gets its partitions back without a rebalance, instead of waiting for the
# broker to expire the dead member's session (10 s here, to make that wait
# plain if it came back). Prints, per restart, the time from the start of
# the process to its first committed batch with input, and the median of
# the five; asserts the median is within 3 s, and that the output is
# still exactly the replay's (zero duplicates under read_committed) and
# the state equals the replay's.
. "$(dirname "$0")/kafka_real_lib.sh"
kr_use_shared_cluster

prefix="bp-restart-$$-$(date +%s)."
kr_topics "$prefix" 6
kr_topic_opts "$prefix"
events=30000
kr_history $events 3000 51
# About 60 s of production, a few hundred events a second.
kr_generate "$work/in.jsonl" "$prefix" 250 0.4

opts=("${kr_opts[@]}" batch.max.events=100 commit.interval.ms=50
        kafka.session.timeout.ms=10000 kafka.heartbeat.interval.ms=1000 log.level=debug)
for n in a b.0 c; do eos_start "$n" "$work/${n%%.*}" "${opts[@]}"; done
for n in a b.0 c; do eos_wait_log "$n" 'event=assigned' 60; done
eos_wait_log b.0 'event=batch_committed events=[1-9]' 60

# ms since the epoch of the first line of FILE matching REGEX.
log_ms() {
        grep -m1 -E "$2" "$1" | sed -E 's/^ts=([^ ]+) .*/\1/' |
                xargs -I{} date -d {} +%s%3N
}
times=()
for i in 1 2 3 4 5; do
        sleep 2
        eos_kill "b.$((i - 1))"
        start_ms=$(date +%s%3N)
        eos_start "b.$i" "$work/b" "${opts[@]}"
        eos_wait_log "b.$i" 'event=batch_committed events=[1-9]' 60
        first_ms=$(log_ms "$work/b.$i.err" 'event=batch_committed events=[1-9]')
        ms=$((first_ms - start_ms))
        times+=("$ms")
        echo "  restart $i: first committed batch $ms ms after the start"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "  median of 5 restarts: $median ms (session timeout 10000 ms)"
kill -0 "$gen_pid" 2>/dev/null || echo "  (the generator had finished before the last restart)"
[ "$median" -le 3000 ] || fail "a restarted instance's first committed batch came after a median of $median ms, not within 3 s"

wait "$gen_pid" || fail "the generator failed: $(tail -n 3 "$work/produce.log")"
eos_wait_offsets "$work/a" "$work/b" "$work/c" $events 180
for n in a b.5 c; do eos_stop "$n"; done
eos_read "${prefix}badge-events" "$work/got.jsonl" -X isolation.level=read_committed
eos_judge "$work/got.jsonl" "$work/want.jsonl"
[ "$eos_dups" -eq 0 ] || fail "$eos_dups duplicates under read_committed"
eos_same_state "$work/want.state" "$work/a" "$work/b" "$work/c"
echo "ok: real Kafka: a restarted static member commits its first batch after a median of $median ms; output exactly once"
