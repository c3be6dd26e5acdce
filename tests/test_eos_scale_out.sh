#!/usr/bin/env bash
# test_eos_scale_out.sh - three instances in one group over 12 partitions,
# with cooperative rebalancing; one is killed with SIGKILL mid-way and a
# fresh instance with an empty state directory takes its place.
#
# The input (45,000 events of 6,000 freelancers) is produced before the
# start, so that the replay is an exact oracle (see test_eos_crash_loop.sh).
# Asserts: the published badge events are the replay's (none missing, none
# unexpected, repeats exact), the state of each partition, taken from the
# store that got furthest in it, equals the replay's, and the new instance
# restored the partitions it got from the changelog (full restores, records
# applied), its log saying so.
. "$(dirname "$0")/eos_lib.sh"

events=45000
mc_start --brokers 3 --partitions 12
"$BP_BIN" gen --events $events --freelancers 6000 --seed 11 >"$work/in.jsonl"
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/in.jsonl" \
        --schema-map "$schema_map" 2>"$work/produce.log" ||
        fail "produce: $(cat "$work/produce.log")"
eos_oracle "$work/in.jsonl" "$work/want.jsonl" "$work/want.state"

opts=(kafka.group.id=scale kafka.partition.assignment.strategy=cooperative-sticky
        batch.max.events=100 commit.interval.ms=50)
for n in a b c; do eos_start "$n" "$work/$n" "${opts[@]}"; done
for n in a b c; do eos_wait_log "$n" 'event=assigned' 60; done
# Let b own partitions and commit some batches, then kill it.
eos_wait_offsets "$work/b" 3000 60
eos_kill b
echo "  b killed with $(eos_offsets_sum "$work/b") input records in its store"
eos_start d "$work/d" "${opts[@]}"
eos_wait_log d 'event=restored partition=[0-9]+ .*records=[1-9]' 60
eos_wait_offsets "$work/a" "$work/c" "$work/d" $events 120
for n in a c d; do eos_stop "$n"; done

full=$(grep -c 'event=restore_started .*full=true' "$work/d.err" || true)
records=$(grep 'event=restored ' "$work/d.err" | sed -E 's/.* records=([0-9]+) .*/\1/' |
        awk '{s+=$1} END {print s+0}')
echo "  d: $full full restores from the changelog, $records records applied"
grep 'event=restored ' "$work/d.err" | grep -v 'records=0 ' | head -n 3 |
        sed -E 's/^ts=[^ ]+ level=info /  d: /'
[ "$full" -ge 1 ] && [ "$records" -gt 0 ] || fail "d restored nothing from the changelog"

eos_read badge-events "$work/got.jsonl"
eos_judge "$work/got.jsonl" "$work/want.jsonl"
eos_same_state "$work/want.state" "$work/a" "$work/c" "$work/d"
mc_stop
echo "ok: scale-out: b killed, d started empty and restored; output and state equal the replay's ($eos_dups exact redeliveries)"
