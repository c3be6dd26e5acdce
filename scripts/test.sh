#!/usr/bin/env bash
# The whole test suite: formatting check, a normal build with every test,
# the same suite built with AddressSanitizer and UBSan, then a 60 s fuzz
# run. Prints ctest's summary line for each build and, last, one line
# totalling everything: "summary: N passed, N failed, N skipped" (tests
# that need a real Kafka cluster skip, saying why, unless KAFKA_BROKERS is
# set). Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1

passed=0
failed=0
skipped=0
# Runs ctest in build dir $1 (extra environment before it), adds its counts
# to the totals; a build that printed no summary counts as one failure.
run_ctest() {
  local dir=$1 log
  shift
  log=$(mktemp)
  (cd "$dir" && env "$@" ctest --output-on-failure -j2 --timeout 900) \
    2>&1 | tee "$log"
  local line
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
  else
    local total fail skip
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    fail=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
    # ctest counts a skipped test (it says why) as not failed; count it
    # apart so that a skip is never mistaken for a pass.
    skip=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$log" || true)
    passed=$((passed + total - fail - skip))
    failed=$((failed + fail))
    skipped=$((skipped + skip))
  fi
  rm -f "$log"
}

echo "== format check"
if scripts/format.sh --check; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== build (warnings are errors)"
if scripts/build.sh build; then
  echo "== tests"
  run_ctest build
else
  echo "build failed" >&2
  failed=$((failed + 1))
fi

echo "== build with AddressSanitizer + UBSan"
if scripts/build.sh build-asan -DBP_SANITIZE=ON; then
  echo "== tests under sanitizers"
  run_ctest build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  echo "sanitizer build failed" >&2
  failed=$((failed + 1))
fi

echo "== fuzz: frame + validate + decode, 60 s (libFuzzer, ASan, UBSan)"
if scripts/fuzz.sh 60; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "summary: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
