#!/usr/bin/env bash
# ktest_demo.sh - `badgeproc demo --brokers LIST` on a real Kafka cluster:
# the checks of test_demo.sh (summary, feed and badge events equal to a
# replay of the same scenario), with the demo's seven topics created on
# the cluster instead of the in-process mock.
set -euo pipefail
if [ -z "${KAFKA_BROKERS:-}" ]; then
        if [ "${CI:-}" = true ]; then
                echo "FAIL: KAFKA_BROKERS is not set (in CI a real-Kafka test never skips)" >&2
                exit 1
        fi
        echo "SKIP: KAFKA_BROKERS is not set (scripts/test.sh starts a broker; or name your own cluster)"
        exit 77
fi
BP_DEMO_BROKERS=$KAFKA_BROKERS exec bash "$(dirname "$0")/test_demo.sh"
