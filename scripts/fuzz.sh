#!/usr/bin/env bash
# Builds the libFuzzer target (tests/fuzz/fuzz_decode.c) into build-fuzz
# with clang, ASan and UBSan, and runs it for N seconds (default 60):
#
#   scripts/fuzz.sh [seconds]
#
# The committed seed corpus tests/fuzz/corpus is read, never written; what
# the run discovers goes to build-fuzz/corpus, kept between runs. A crash,
# a sanitizer report, a validator hole (the target aborts) or an input
# that needs more than 256 MiB leaves its input in build-fuzz/ and makes
# this script exit non-zero. To refresh the committed corpus, minimise:
#   build-fuzz/fuzz_decode -merge=1 NEW_DIR build-fuzz/corpus tests/fuzz/corpus
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
dir=build-fuzz
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
CC=clang CFLAGS="$san -fno-omit-frame-pointer" \
  cmake -S . -B "$dir" -DBP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" --target fuzz_decode -j"$(nproc)" -- --no-print-directory \
  >/dev/null
mkdir -p "$dir/corpus"
echo "fuzz: $dir/fuzz_decode for ${secs}s on $dir/corpus tests/fuzz/corpus"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$dir/fuzz_decode" -rss_limit_mb=256 -max_total_time="$secs" \
  -print_final_stats=1 -artifact_prefix="$dir/" \
  "$dir/corpus" tests/fuzz/corpus 2>"$dir/fuzz.log" || {
    tail -n 60 "$dir/fuzz.log" >&2
    echo "fuzz: FAILED (input saved in $dir/, log in $dir/fuzz.log)" >&2
    exit 1
  }
grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$dir/fuzz.log" \
  || true
echo "fuzz: corpus now $(ls "$dir/corpus" | wc -l) files; no crash in ${secs}s"
