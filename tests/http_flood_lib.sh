# shellcheck shell=bash
# http_flood_lib.sh - shell helpers of the flood tests of the metrics
# server (sourced, not run, after itest_lib.sh or eos_lib.sh, whose
# fail() and $work they use).
#
# flood_port LOG PID
#                  the port the runner PID, whose log is LOG, listens on
#                  for /metrics (metrics.listen=127.0.0.1:0), waiting at
#                  most 30 s for its metrics_listen line;
# flood_start PORT PID
#                  tests/http_flood.py against PORT, the server's pid PID,
#                  in the background (pid in $flood_pid, output in
#                  $work/flood.out): 128 slowloris, 32 silent and 4
#                  huge-header connections from 127.0.0.1 while 100 probes
#                  of /healthz from 127.0.0.2 each need a 200 within 1 s, after a 3 s
#                  warm-up; about 15 s in all; RSS under
#                  $FLOOD_RSS_MAX_MB (default 64);
# flood_judge LOG  waits for the flood to end, fails unless it passed,
#                  prints its summary, and fails unless the server's log
#                  LOG says it ended connections (http_connections_ended).
flood_pid=""
# A small AddressSanitizer quarantine (ignored by other builds), so that
# the memory of ended connections is reused rather than held for 256 MiB:
# the RSS bound measures the server, not the sanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"

flood_port() {
        local port="" deadline=$((SECONDS + 30))
        while [ -z "$port" ]; do
                [ "$SECONDS" -lt "$deadline" ] || fail "no metrics_listen line in $1 in 30 s"
                kill -0 "$2" 2>/dev/null || fail "the runner exited before listening"
                sleep 0.1
                port=$(sed -nE 's/.*event=metrics_listen .*port=([0-9]+).*/\1/p' "$1" | head -n 1)
        done
        echo "$port"
}

flood_start() {
        /usr/bin/python3 "$BP_SRC/tests/http_flood.py" --port "$1" --pid "$2" \
                --slow 128 --silent 32 --huge 4 --probes 100 --every 0.1 \
                --timeout 1 --warmup 3 --rss-max-mb "${FLOOD_RSS_MAX_MB:-64}" \
                >"$work/flood.out" 2>&1 &
        flood_pid=$!
        bg_pids+=("$flood_pid")
}

flood_judge() {
        local rc=0
        wait "$flood_pid" || rc=$?
        cat "$work/flood.out"
        [ "$rc" -eq 0 ] || fail "the metrics server did not hold under the flood"
        grep -q 'event=http_connections_ended ' "$1" ||
                fail "the runner's log has no http_connections_ended line"
        grep -m1 'event=http_connections_ended ' "$1" | sed -E 's/^ts=[^ ]+ /  /' | cut -c1-200
}
