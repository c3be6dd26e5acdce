# bench_lib.sh - shell helpers of the Kafka benchmarks (sourced, not run).
#
# Sourcing it makes $tmp (a fresh directory) and the array $pids: every
# process started in the background whose id is added to $pids is killed,
# and $tmp removed, however the script ends.
# start_cluster ARGS... starts `$bp mock-cluster --brokers 1 ARGS` and sets
#                       $bootstrap (waits at most 10 s).
# watch_service PID LOG N waits until LOG (badgeproc or python_service.py,
#                       see e2e_stats.py) shows N committed input events,
#                       sampling PID's RssAnon; sets peak_anon_kb and hwm_kb
#                       (VmHWM), then stops PID with SIGTERM.
PY=/usr/bin/python3 # Debian's, which has confluent_kafka and avro
tmp=$(mktemp -d)
pids=()
bench_cleanup() {
        local p
        for p in "${pids[@]}"; do
                { kill -KILL "$p" && wait "$p"; } 2>/dev/null || true
        done
        rm -rf "$tmp"
}
trap bench_cleanup EXIT
trap 'exit 1' INT TERM

start_cluster() {
        "$bp" mock-cluster --brokers 1 "$@" >"$tmp/mc.out" 2>"$tmp/mc.err" &
        pids+=($!)
        # Up to 30 s: a cluster with many topics starts slowly on a busy
        # machine.
        for _ in $(seq 300); do [ -s "$tmp/mc.out" ] && break; sleep 0.1; done
        bootstrap=$(head -n 1 "$tmp/mc.out")
        [ -n "$bootstrap" ] || {
                echo "bench: the mock cluster gave no bootstrap address within 30 s" >&2
                cat "$tmp/mc.err" >&2
                exit 1
        }
}

watch_service() {
        local pid=$1 log=$2 want=$3 deadline=$((SECONDS + 600)) kb
        peak_anon_kb=0
        while ! $PY bench/e2e_stats.py done "$log" "$want"; do
                kill -0 "$pid" 2>/dev/null || { tail -5 "$log" >&2; return 1; }
                [ $SECONDS -lt $deadline ] || { echo "e2e: timeout" >&2; return 1; }
                kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
                [ "${kb:-0}" -gt "$peak_anon_kb" ] && peak_anon_kb=$kb
                sleep 0.2
        done
        hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
        kill -TERM "$pid"
        wait "$pid" || true
}

