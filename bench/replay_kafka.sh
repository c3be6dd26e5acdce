#!/usr/bin/env bash
# replay_kafka.sh - `badgeproc replay` reading the four input topics of a
# mock cluster: events per second, whole run (connection, metadata,
# watermarks, fetch, Avro decode, merge, engine, JSON output to a file).
#
# Starts `badgeproc mock-cluster` (1 broker, 12 partitions per topic, so
# that no partition passes the mock's 5 MiB retention), produces a
# generated history, then replays it three times and prints each run and
# the median. The replay's own figure (events_per_second in its done line)
# is the one reported; the wall-clock rate of the process is printed too.
# Usage: bench/replay_kafka.sh [EVENTS] [build-dir]  (default 200000, build/)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200000}
build=${2:-build}
bin="$build/badgeproc"
[ -x "$bin" ] || scripts/build.sh "$build"
tmp=$(mktemp -d)
mc=""
cleanup() {
        if [ -n "$mc" ]; then kill -TERM "$mc" 2>/dev/null || true; wait "$mc" || true; fi
        rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" mock-cluster --brokers 1 --partitions 12 >"$tmp/mc.out" 2>"$tmp/mc.err" &
mc=$!
for _ in $(seq 100); do [ -s "$tmp/mc.out" ] && break; sleep 0.1; done
bootstrap=$(head -n 1 "$tmp/mc.out")
[ -n "$bootstrap" ] || { echo "mock-cluster did not start" >&2; exit 1; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$bin" gen --events "$events" --freelancers $((events / 10)) --partners 5 >"$tmp/ev.jsonl"
"$bin" produce --brokers "$bootstrap" --input "$tmp/ev.jsonl" 2>&1 | tail -n 1
echo "== replay --brokers ($events events, 4 topics x 12 partitions)"
rates=()
for run in 1 2 3; do
        start=$(date +%s.%N)
        "$bin" replay --rules tests/data/rules-gen --brokers "$bootstrap" \
                >"$tmp/out.jsonl" 2>"$tmp/replay.err"
        end=$(date +%s.%N)
        rate=$(sed -nE 's/.* events_per_second=([0-9]+) .*/\1/p' "$tmp/replay.err")
        wall=$(awk -v s="$start" -v e="$end" -v n="$events" 'BEGIN { printf "%.0f", n / (e - s) }')
        echo "run $run: $rate events/s (replay's figure), $wall events/s wall clock, $(wc -l <"$tmp/out.jsonl") badge events"
        rates+=("$rate")
done
printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p | xargs printf 'replay from Kafka median %s events/s\n'
