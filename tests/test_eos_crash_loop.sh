#!/usr/bin/env bash
# test_eos_crash_loop.sh - exactly-once across kill -9: `badgeproc run` is
# killed with SIGKILL at random moments, 20 times, and restarted on the
# same state directory; then one last incarnation finishes the input.
#
# The input (90,000 events of 6,000 freelancers) is produced in full
# before the first start: the runtime merges its four inputs by timestamp
# and waits for an input that may still hold an earlier record, so with
# every record already there its order is the replay's order whatever the
# kills, and the replay is an exact oracle. (Fed while running, an input
# that is momentarily caught up lets later records of the others through,
# which is correct but a different order than the file's.) Small batches
# (100 events) give many commits for the kills to land between, inside,
# or during a restore. Each incarnation joins a consumer group of its own:
# recovery rests on the changelog and the store, never on the group, and
# the mock cluster would otherwise keep the killed member for a session
# timeout and a rebalance (about 6 s a kill instead of 3).
#
# Asserts: every badge event of the replay published, none unexpected,
# every repeat byte-identical to its first delivery (cause aside; the mock
# keeps aborted transactions visible, so batches cut short show up twice:
# they are counted and printed), the replay's order per freelancer, and
# the store's final state equal to the replay's. The seed is printed (set
# EOS_SEED to run one again).
. "$(dirname "$0")/eos_lib.sh"

seed=${EOS_SEED:-$(( $(date +%s) % 100000 ))}
kills=${EOS_KILLS:-20}
events=${EOS_EVENTS:-90000}
echo "crash loop: seed=$seed kills=$kills events=$events"
RANDOM=$seed

mc_start --brokers 3 --partitions 8
"$BP_BIN" gen --events $events --freelancers 6000 --seed "$seed" >"$work/in.jsonl"
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/in.jsonl" \
        --schema-map "$schema_map" 2>"$work/produce.log" ||
        fail "produce: $(cat "$work/produce.log")"
eos_oracle "$work/in.jsonl" "$work/want.jsonl" "$work/want.state"

state="$work/state"
# The eager protocol here (restores inside the rebalance callback); the
# scale-out test runs the default, cooperative one.
batch=(batch.max.events=100 commit.interval.ms=50
        kafka.partition.assignment.strategy=range)
for i in $(seq "$kills"); do
        eos_start "a.$i" "$state" "${batch[@]}" "kafka.group.id=crash-$i"
        # Kill once the incarnation owns partitions (restoring or working),
        # after a random 0.3..2.3 s (its first commit takes about 1 s).
        eos_wait_log "a.$i" 'event=(assigned|restore_started)' 30
        delay_ms=$((300 + RANDOM % 2000))
        sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
        eos_kill "a.$i"
        done_now=$(eos_offsets_sum "$state")
        restored=$(grep -c 'event=restored ' "$work/a.$i.err" || true)
        echo "  kill $i after ${delay_ms} ms: store holds $done_now of $events inputs ($restored partitions restored)"
done

eos_start a.last "$state" "${batch[@]}" kafka.group.id=crash-last
eos_wait_offsets "$state" $events 120
eos_stop a.last
grep -h 'event=restored ' "$work"/a.*.err | sed -E 's/.*records=([0-9]+).*/\1/' |
        awk '{n++; s+=$1} END {printf "  %d partition restores, %d changelog records applied\n", n, s}'

eos_read badge-events "$work/got.jsonl"
eos_judge "$work/got.jsonl" "$work/want.jsonl"
eos_same_state "$work/want.state" "$state"
mc_stop
echo "ok: $kills kills (seed $seed): nothing lost, nothing unexpected, $eos_dups exact redeliveries, state equals the replay's"
