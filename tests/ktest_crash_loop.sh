#!/usr/bin/env bash
# ktest_crash_loop.sh - exactly-once across kill -9 on a real Kafka
# cluster: `badgeproc run` is killed with SIGKILL at random moments, 20
# times, while a generator produces, and restarted each time on the same
# state directory with the same instance.id (a static member: it takes
# its partitions back without a rebalance); one last incarnation finishes
# the input.
#
# The generator is `badgeproc produce --in-order` (every record delivered
# before the next is sent), so the merge sees the file's order and the
# replay of the file is an exact oracle (see ktest_scale_out.sh). Small
# batches (100 events) give many commits for the kills to land between,
# inside, or during a restore. Asserts, reading badge-events with
# isolation.level=read_committed: every replay event published, none
# unexpected, zero duplicates (a real broker hides aborted transactions),
# the replay's order per freelancer; the store's state, and the state the
# changelog holds (restored into an empty store), equal the replay's. The
# seed is printed (EOS_SEED=N runs one again).
. "$(dirname "$0")/kafka_real_lib.sh"
kr_use_shared_cluster

seed=${EOS_SEED:-$(($(date +%s) % 100000))}
kills=${EOS_KILLS:-20}
events=${EOS_EVENTS:-40000}
echo "crash loop: seed=$seed kills=$kills events=$events"
RANDOM=$seed

prefix="bp-crash-$$-$(date +%s)."
kr_topics "$prefix" 6
kr_topic_opts "$prefix"
kr_history "$events" 4000 "$seed"

# About 40 s of production: 1,000 events a second or so.
kr_generate "$work/in.jsonl" "$prefix" 1000 0.7

state="$work/state"
opts=("${kr_opts[@]}" batch.max.events=100 commit.interval.ms=50)
during=0
for i in $(seq "$kills"); do
        eos_start "a.$i" "$state" "${opts[@]}"
        # Kill once the incarnation owns partitions (restoring or working),
        # after a random 0.3..2.3 s.
        eos_wait_log "a.$i" 'event=(assigned|restore_started)' 60
        delay_ms=$((300 + RANDOM % 2000))
        sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
        live=no
        if kill -0 "$gen_pid" 2>/dev/null; then
                live=yes
                during=$((during + 1))
        fi
        eos_kill "a.$i"
        echo "  kill $i after ${delay_ms} ms (generator producing: $live): store holds $(eos_offsets_sum "$state") of $events inputs"
done
echo "  $during of $kills kills while the generator produced"
[ "$during" -ge $((kills / 2)) ] || fail "only $during kills landed while the generator produced"

wait "$gen_pid" || fail "the generator failed: $(tail -n 3 "$work/produce.log")"
eos_start a.last "$state" "${opts[@]}"
eos_wait_offsets "$state" "$events" 180
eos_stop a.last
grep -h 'event=restored ' "$work"/a.*.err | sed -E 's/.*records=([0-9]+).*/\1/' |
        awk '{n++; s+=$1} END {printf "  %d partition restores, %d changelog records applied\n", n, s}'

eos_read "${prefix}badge-events" "$work/got.jsonl" -X isolation.level=read_committed
eos_judge "$work/got.jsonl" "$work/want.jsonl"
[ "$eos_dups" -eq 0 ] || fail "$eos_dups duplicates under read_committed"
eos_same_state "$work/want.state" "$state"

# The changelog alone: a fresh instance restores it into an empty store.
eos_start fresh "$work/fresh" "${opts[@]}"
for p in 0 1 2 3 4 5; do eos_wait_log fresh "event=assigned partition=$p " 60; done
eos_stop fresh
eos_same_state "$work/want.state" "$work/fresh"
echo "ok: real Kafka: $kills kills (seed $seed), $during while producing: nothing lost, nothing unexpected, zero duplicates; store and changelog equal the replay"
