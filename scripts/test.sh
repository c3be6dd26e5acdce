#!/usr/bin/env bash
# The whole test suite: formatting check, a normal build with every test
# (the real-Kafka ones, label `kafka`, on a one-node Apache Kafka cluster
# that this script starts with scripts/kafka.sh and stops at the end), the
# same suite but the `kafka` label built with AddressSanitizer and UBSan,
# then a 60 s fuzz run. ctest prints each test's wall time; this script
# prints ctest's summary line for each build and, last, one line
# totalling everything: "summary: N passed, N failed, N skipped".
# KAFKA_BROKERS=LIST with KAFKA_BIN=DIR (the cluster's kafka-*.sh tools)
# runs the `kafka` tests on a cluster of your own instead. A broker that
# cannot start is a failure. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1

passed=0
failed=0
skipped=0
# Runs ctest in build dir $1 with the ctest options in $2 (words) and the
# environment settings after it, adds its counts to the totals; a build
# that printed no summary counts as one failure.
run_ctest() {
  local dir=$1 opts=$2 log
  shift 2
  log=$(mktemp)
  # shellcheck disable=SC2086 # $opts are words
  (cd "$dir" && env "$@" ctest --output-on-failure -j2 --timeout 900 $opts) \
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

# The shared one-node cluster of the `kafka` tests (three-node and
# SASL_SSL tests start their own).
kafka_dir="$PWD/build/kafka-test"
stop_kafka() { [ -z "${own_kafka:-}" ] || scripts/kafka.sh stop --dir "$kafka_dir" >/dev/null 2>&1; }
trap stop_kafka EXIT
if [ -z "${KAFKA_BROKERS:-}" ]; then
  echo "== Apache Kafka: one node (scripts/kafka.sh)"
  scripts/kafka.sh stop --kill --dir "$kafka_dir" >/dev/null 2>&1
  rm -rf "$kafka_dir"
  if KAFKA_BROKERS=$(scripts/kafka.sh start --nodes 1 --dir "$kafka_dir"); then
    own_kafka=1
    KAFKA_BIN="$kafka_dir/bin"
    export KAFKA_BROKERS KAFKA_BIN
    echo "kafka: $KAFKA_BROKERS"
  else
    echo "the Kafka broker did not start: the kafka tests fail" >&2
    unset KAFKA_BROKERS
    failed=$((failed + 1))
  fi
fi

echo "== format check"
if scripts/format.sh --check; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== build (warnings are errors)"
if scripts/build.sh build; then
  echo "== tests"
  run_ctest build ""
else
  echo "build failed" >&2
  failed=$((failed + 1))
fi

echo "== build with AddressSanitizer + UBSan"
if scripts/build.sh build-asan -DBP_SANITIZE=ON; then
  echo "== tests under sanitizers"
  # The real-Kafka tests ran once, above: their subject is the protocol
  # with the broker, and the sanitizers' slowdown would only stretch
  # their timings.
  run_ctest build-asan "-LE kafka" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  echo "sanitizer build failed" >&2
  failed=$((failed + 1))
fi

echo "== fuzz: frame + validate + decode, 60 s (libFuzzer, ASan, UBSan)"
if scripts/fuzz.sh 60; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "summary: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
