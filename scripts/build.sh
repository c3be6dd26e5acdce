#!/usr/bin/env bash
# Configures and builds into build/ (or the directory given as $1, with any
# further arguments passed to cmake, e.g. -DBP_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" -- --no-print-directory >/dev/null
