#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs
# the main job on its embedded default. Today that is a replay of the
# sample history under the sample rules; the badge events it publishes are
# printed as JSON Lines on stdout, the log on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build
echo "== badgeproc replay --rules deploy/sample/rules --input deploy/sample/events.jsonl" >&2
exec build/badgeproc replay --rules deploy/sample/rules \
  --input deploy/sample/events.jsonl
