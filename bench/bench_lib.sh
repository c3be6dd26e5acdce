# bench_lib.sh - shell helpers of the Kafka benchmarks (sourced, not run).
#
# Sourcing it makes $tmp (a fresh directory) and the array $pids: every
# process started in the background whose id is added to $pids is killed,
# and $tmp removed, however the script ends.
# start_cluster ARGS... starts `$bp mock-cluster --brokers 1 ARGS` and sets
#                       $bootstrap (waits at most 10 s).
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
        for _ in $(seq 100); do [ -s "$tmp/mc.out" ] && break; sleep 0.1; done
        bootstrap=$(head -n 1 "$tmp/mc.out")
        [ -n "$bootstrap" ] || { cat "$tmp/mc.err" >&2; exit 1; }
}
