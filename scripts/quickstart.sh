#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, replays
# the sample history (a few lines: the badge events it publishes are
# printed as JSON Lines), then runs `badgeproc demo`: a mock Kafka cluster
# in process, a generated scenario produced to it, the processor on it, a
# live feed of grants and revocations with their reasons, and a summary.
# Everything stays on this machine (loopback only); extra arguments go to
# the demo (e.g. --events 20000 --rate 2000; `build/badgeproc demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build
echo "== badgeproc replay --rules deploy/sample/rules --input deploy/sample/events.jsonl" >&2
build/badgeproc replay --quiet --rules deploy/sample/rules \
  --input deploy/sample/events.jsonl
echo "== badgeproc demo $*" >&2
exec build/badgeproc demo "$@"
