#!/usr/bin/env bash
# Runs the benchmarks of this machine side by side and prints their figures:
#   engine  - apply+evaluate, 1,000,000 events, 100,000 freelancers, 5
#             partners, single thread (bench_engine), with and without
#             prefetching; heap bytes per state (bench_state_mem)
#   replay  - the whole `badgeproc replay` path from a JSON Lines file of the
#             same generated stream (median of 3 runs)
#   codec   - framed Avro decode and encode of ProfileUpdated (bench_codec)
#   store   - LMDB state store: 1,000,000 durable puts of 200 bytes in
#             batches of 1,000, random gets, size per record (bench_store)
#   validate - ns per bounded validation of ProfileUpdated (bench_validate)
#   kafka   - `badgeproc replay --brokers` over 200,000 events on a mock
#             cluster (bench/replay_kafka.sh)
# Usage: bench/run.sh [build-dir]   (default build/; built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -x "$build/badgeproc" ] || scripts/build.sh "$build"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== engine (bench_engine 1000000 100000 5)"
"$build/bench/bench_engine" 1000000 100000 5 tests/data/rules-gen 2>/dev/null
echo "== engine, no prefetch (bench_engine 1000000 100000 5 ... 0)"
"$build/bench/bench_engine" 1000000 100000 5 tests/data/rules-gen 0 2>/dev/null
echo "== state memory (bench_state_mem 1000000 100000)"
"$build/bench/bench_state_mem" 1000000 100000 tests/data/rules-gen

echo "== replay (badgeproc gen --events 1000000 --freelancers 100000 --partners 5 | replay)"
"$build/badgeproc" gen --events 1000000 --freelancers 100000 --partners 5 \
  > "$tmp/events.jsonl"
rates=()
for run in 1 2 3; do
  start=$(date +%s.%N)
  "$build/badgeproc" replay --quiet --rules tests/data/rules-gen \
    --input "$tmp/events.jsonl" > "$tmp/out.jsonl"
  end=$(date +%s.%N)
  rate=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", 1000000 / (e - s) }')
  echo "run $run: $rate lines/s (whole process, $(wc -l < "$tmp/out.jsonl") badge events)"
  rates+=("$rate")
done
printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p | xargs printf 'replay median %s lines/s\n'

if [ -x "$build/bench/bench_codec" ]; then
  echo "== codec (bench_codec)"
  "$build/bench/bench_codec" schemas/schema-map.txt
fi

if [ -x "$build/bench/bench_store" ]; then
  echo "== state store (bench_store, durable commits)"
  "$build/bench/bench_store"
fi

if [ -x "$build/bench/bench_validate" ]; then
  echo "== bounded validator (bench_validate)"
  "$build/bench/bench_validate"
fi

echo "== replay from Kafka (bench/replay_kafka.sh, mock cluster)"
bench/replay_kafka.sh 200000 "$build"
