#!/usr/bin/env bash
# The whole test suite: formatting check, a normal build with every test,
# then the same suite built with AddressSanitizer and UBSan. Prints ctest's
# summary line for each build; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

echo "== format check"
scripts/format.sh --check

echo "== build (warnings are errors)"
scripts/build.sh build
echo "== tests"
(cd build && ctest --output-on-failure -j2 --timeout 600)

echo "== build with AddressSanitizer + UBSan"
scripts/build.sh build-asan -DBP_SANITIZE=ON
echo "== tests under sanitizers"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j2 --timeout 900)

echo "== fuzz: frame + validate + decode, 60 s (libFuzzer, ASan, UBSan)"
scripts/fuzz.sh 60
