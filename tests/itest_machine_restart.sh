#!/usr/bin/env bash
# itest_machine_restart.sh - the store is written without fsync
# (state.fsync=false, the default); a process crash keeps it, a machine
# crash discards it and the runner rebuilds it from the changelog.
#
# 6,000 generated events go to three partitions. run1 works through a
# third of them and gets SIGTERM: while it runs, the store's directory
# holds the `unsynced` marker naming this boot; a clean stop syncs the
# store and removes it. Then the marker of another boot is put back, as
# if the machine had lost power while the store held unsynced writes:
# `badgeproc state` must refuse to read the store, and run2 must discard
# it (store_discarded), restore every partition from the changelog, and
# carry on from the offsets the changelog names. run2 is then killed with
# SIGKILL once everything is applied and committed: the marker of this
# boot stays, and run3 must trust the store (no discard, nothing applied
# again). Over the three runs the input
# is applied exactly once and badge-events equals `badgeproc replay` of
# the whole file.
. "$(dirname "$0")/itest_lib.sh"
need_boot_id

total=6000
marker="$run_state/unsynced"
mc_start --brokers 1 --partitions 3
gen_produce "$total" 400

run_start run1 batch.max.events=50
run_wait applied $((total / 3)) 60
[ "$(cat "$marker" 2>/dev/null)" = "$boot_id" ] ||
        fail "while run1 writes, $marker should name this boot ($boot_id), it holds: $(cat "$marker" 2>&1)"
grep -q 'event=store_opened .*fsync=at_stop' "$work/run1.err" || fail "run1 did not say how it syncs the store"
run_stop
first=$(run_count applied)
[ "$first" -lt "$total" ] || fail "run1 applied everything: the stop was not mid-stream"
[ ! -e "$marker" ] || fail "a clean stop left $marker behind"
echo "  run1 applied $first; a clean stop synced the store and removed the marker"

# The machine "lost power" while the store held unsynced writes.
echo 00000000-0000-0000-0000-000000000000 >"$marker"
if (cd "$BP_SRC" && "$BP_BIN" state dump --state-dir "$run_state") >"$work/dump.out" 2>"$work/dump.err"; then
        fail "badgeproc state read a store the machine stopped under"
fi
grep -q 'restores it from the changelog' "$work/dump.err" ||
        fail "badgeproc state's refusal does not say what to do: $(cat "$work/dump.err")"

run_start run2 batch.max.events=200
run_wait applied $((total - first)) 60
grep -q 'event=store_discarded' "$work/run2.err" || fail "run2 did not discard the suspect store"
restored=$(grep -E 'event=restored partition=' "$work/run2.err" |
        sed -nE 's/.* records=([0-9]+).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
[ "$restored" -gt 0 ] || fail "run2 restored no changelog record after discarding the store"
echo "  run2 discarded the store and restored $restored changelog records"
# Everything applied; let the last batch commit, then kill -9.
sleep 1
kill -KILL "$run_pid"
wait "$run_pid" 2>/dev/null || true
second=$(run_count applied)
[ "$(cat "$marker" 2>/dev/null)" = "$boot_id" ] ||
        fail "after SIGKILL, $marker should still name this boot"

run_start run3
run_wait_log 'event=assigned partition=' 3 60
sleep 1
run_stop
if grep -q 'event=store_discarded' "$work/run3.err"; then
        fail "run3 discarded a store that only its process lost"
fi
third=$(run_count applied)
echo "  applied: $first + $second + $third = $((first + second + third)) of $total input records"
[ $((first + second + third)) -eq "$total" ] ||
        fail "the runs applied $first + $second + $third records, not $total"

read_topic badge-events "$work/out.jsonl"
replay_of "$run_rules" "$work/events.jsonl" "$work/replay.jsonl"
same_events "$work/out.jsonl" "$work/replay.jsonl"
mc_stop
echo "ok: a killed process keeps its unsynced store; a machine restart discards and restores it"
