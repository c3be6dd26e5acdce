#!/usr/bin/env bash
# run_ir.sh - instructions per event of `badgeproc run`'s own thread, under
# callgrind: the figure to decide runtime optimisations by on a shared
# machine, where wall-clock rates move with the neighbours' load.
#
# Fills a fresh mock cluster with N generated events (12 partitions),
# runs `badgeproc run` (exactly-once unless -a) under callgrind with
# collection on inside bp_runner_run only (the poll loop: routing, merge,
# decode, state, engine, produce calls, commit, LMDB), waits for every
# event to be committed, stops it and prints the instructions per event.
# librdkafka's own threads and time spent waiting (fsync, broker round
# trips) are not instructions of this thread and do not count: the wall
# clock figures of bench/e2e.sh cover those.
#
# Usage: bench/run_ir.sh [-b build-dir] [-n events] [-f freelancers] [-a]
#        [-o callgrind-out-file] [--set key=value passed to run ...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build events=100000 freelancers=10000 guarantee=exactly_once out=/dev/null
while getopts "b:n:f:ao:" opt; do
        case $opt in
        b) build=$OPTARG ;;
        n) events=$OPTARG ;;
        f) freelancers=$OPTARG ;;
        a) guarantee=at_least_once ;;
        o) out=$OPTARG ;;
        *) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        esac
done
shift $((OPTIND - 1))
bp=$build/badgeproc
. bench/bench_lib.sh
start_cluster --partitions 12
"$bp" gen --events "$events" --freelancers "$freelancers" --partners 5 |
        "$bp" produce --brokers "$bootstrap" --input - 2>/dev/null

valgrind --tool=callgrind --callgrind-out-file="$out" \
        --toggle-collect=bp_runner_run \
        "$bp" run --set kafka.bootstrap.servers="$bootstrap" \
        --set rules.dir=tests/data/rules-gen --set state.dir="$tmp/state" \
        --set processing.guarantee="$guarantee" --set metrics.listen=off \
        --set log.level=debug --set stats.interval.ms=60000 \
        --set state.max.size.mb=64 "$@" \
        2>"$tmp/run.log" &
pid=$!
pids+=("$pid")
until /usr/bin/python3 bench/e2e_stats.py done "$tmp/run.log" "$events"; do
        kill -0 "$pid" 2>/dev/null || { tail -20 "$tmp/run.log" >&2; exit 1; }
        sleep 1
done
kill -TERM "$pid"
wait "$pid" || true
awk -v n="$events" '/Collected :/ {printf "%.0f Ir/event (%d events)\n", $4 / n, n}' "$tmp/run.log"
