#!/usr/bin/env bash
# itest_state_lock.sh - two `badgeproc run` on one state directory: the
# second is refused, and the first is none the worse.
#
# run1 works through generated events (its store unsynced, so the
# directory holds the `unsynced` marker naming this boot). run2 starts on
# the same state.dir: it must exit 1 at start, naming run1's PID and the
# lock file, before it touches the store: run1's marker is still there,
# run1 keeps working and applies every event. A read-only tool (`state
# offsets`) shares the directory meanwhile. Then run1 is killed with
# SIGKILL: its PID stays in the lock file, but the kernel dropped its
# lock, so run3 starts on the directory and stops cleanly.
. "$(dirname "$0")/itest_lib.sh"
need_boot_id

total=3000
marker="$run_state/unsynced"
lock="$run_state/LOCK"
mc_start --brokers 1 --partitions 3
gen_produce "$total" 300

run_start run1 batch.max.events=20
run1_pid=$run_pid
run_wait applied 200 60
[ "$(cat "$marker" 2>/dev/null)" = "$boot_id" ] || fail "run1 wrote no unsynced marker"
[ "$(cat "$lock")" = "$run1_pid" ] || fail "$lock does not hold run1's pid $run1_pid: $(cat "$lock")"

# --- a second runner on the same directory (its own instance.id, so
# that it could not fence run1 in Kafka either)
run_start run2 instance.id=second
exit_wait "$run_pid" run2 30 "its start on a state directory in use"
[ "$exit_rc" -eq 1 ] || fail "run2 exit status $exit_rc, expected 1"
line=$(grep 'event=start_failed' "$work/run2.err") || fail "run2 logged no start_failed"
echo "  run2: ${line#ts=* }" | cut -c1-240
case "$line" in
*"in use by process $run1_pid "*"$lock"*) ;;
*) fail "run2's error names neither run1's pid $run1_pid nor $lock: $line" ;;
esac
grep -q 'event=store_opened' "$work/run2.err" && fail "run2 opened the store"
[ "$(cat "$marker" 2>/dev/null)" = "$boot_id" ] || fail "run2 touched run1's marker: $(cat "$marker" 2>&1)"
kill -0 "$run1_pid" || fail "run1 died"

# --- a read-only tool shares the directory
(cd "$BP_SRC" && "$BP_BIN" state offsets --state-dir "$run_state" --schema-map "$schema_map") \
        >"$work/offsets.out" 2>"$work/offsets.err" ||
        fail "state offsets beside run1: $(cat "$work/offsets.err")"
[ -s "$work/offsets.out" ] || fail "state offsets printed nothing"

# --- run1 carries on to the end
run_name=run1
run_pid=$run1_pid
run_wait applied "$total" 60
[ "$(cat "$marker" 2>/dev/null)" = "$boot_id" ] || fail "run1's marker went while it wrote"
echo "  run1 applied $(run_count applied) of $total with run2 refused beside it"

# --- killed: the lock file keeps its pid, and blocks nobody
kill -KILL "$run1_pid"
exit_wait "$run1_pid" run1 10 SIGKILL
[ "$(cat "$lock")" = "$run1_pid" ] || fail "$lock lost run1's pid"
run_start run3
run_wait_log 'event=assigned' 3 30
[ "$(cat "$lock")" = "$run_pid" ] || fail "$lock does not hold run3's pid"
run_stop
[ ! -e "$marker" ] || fail "run3's clean stop left the marker"
mc_stop
echo "ok: one runner per state directory; a killed one's lock file blocks nobody"
