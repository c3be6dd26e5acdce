#!/usr/bin/env bash
# Runs clang-format over every C file of the project; with --check, only
# reports the files that are not formatted and fails if there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h')
[ ${#files[@]} -eq 0 ] && exit 0
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then
      echo "format: $f is not clang-formatted (run scripts/format.sh)" >&2
      bad=1
    fi
  done
  exit $bad
fi
clang-format --style=file -i "${files[@]}"
