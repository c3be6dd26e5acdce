#!/usr/bin/env bash
# history_mem.sh - peak memory and time of `badgeproc audit` and
# `badgeproc what-if` as the history grows: memory must follow the
# freelancers, not the events.
#
# For each event count E (default 1,000,000 and 10,000,000) over the same
# F freelancers (default 100,000; 5 partners, seed 1): `badgeproc gen`
# writes the history, `replay` publishes what the rules call for, then
#   audit           --published the replay's file (the order the runtime
#                   publishes in: the streams keep pace);
#   audit, by fl    the same events sorted by freelancer, as a topic read
#                   partition after partition gives them: the replay runs
#                   ahead and holds what the published side has not
#                   reached yet (compactly);
#   what-if         the rules against themselves (two states, same cost
#                   as a real change);
# each under GNU time: peak RSS ("Maximum resident set size") and wall
# time. With -o OLD, the same runs of the binary OLD (an older build)
# follow, and its output is compared with this build's byte for byte.
#
# Usage: bench/history_mem.sh [-b build-dir] [-o old-badgeproc]
#        [-f freelancers] [EVENTS...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build old="" fl=100000
while getopts "b:o:f:" opt; do
        case $opt in
        b) build=$OPTARG ;;
        o) old=$OPTARG ;;
        f) fl=$OPTARG ;;
        *) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        esac
done
shift $((OPTIND - 1))
counts=("${@:-1000000 10000000}")
read -r -a counts <<<"${counts[*]}"
bp=$build/badgeproc
rules=tests/data/rules-gen
[ -x "$bp" ] || scripts/build.sh "$build"
[ -x /usr/bin/time ] || { echo "history_mem: needs GNU time (/usr/bin/time)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure LABEL BINARY ARGS...: one row; the output is kept as $tmp/LABEL.
measure() {
        local label=$1 bin=$2 rc=0
        shift 2
        /usr/bin/time -f "%M %e" -o "$tmp/time" "$bin" "$@" >"$tmp/$label" 2>/dev/null || rc=$?
        [ "$rc" -le 4 ] || { echo "history_mem: $label exited $rc" >&2; exit 1; }
        read -r kb secs <"$tmp/time"
        printf '| %-22s | %10s | %9s | %8d MiB | %8s s |\n' "$label" "$events" "$fl" \
                $((kb / 1024)) "$secs"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-22s | %10s | %9s | %12s | %10s |\n' run events freelancers "peak RSS" time
for events in "${counts[@]}"; do
        "$bp" gen --events "$events" --freelancers "$fl" --partners 5 >"$tmp/in.jsonl"
        measure replay "$bp" replay -q --rules "$rules" --input "$tmp/in.jsonl"
        mv "$tmp/replay" "$tmp/pub.jsonl"
        # The writer puts freelancer_id third: a stable sort on it keeps
        # each freelancer's events in order.
        sort -s -t, -k3,3 "$tmp/pub.jsonl" >"$tmp/pub-by-fl.jsonl"
        echo "(published badge events: $(wc -l <"$tmp/pub.jsonl"))"
        for b in new ${old:+old}; do
                bin=$bp
                [ "$b" = old ] && bin=$old
                measure "audit-$b" "$bin" audit --rules "$rules" \
                        --input "$tmp/in.jsonl" --published "$tmp/pub.jsonl" --json
                measure "audit-by-fl-$b" "$bin" audit --rules "$rules" \
                        --input "$tmp/in.jsonl" --published "$tmp/pub-by-fl.jsonl" --json
                measure "what-if-$b" "$bin" what-if --rules "$rules" \
                        --new-rules "$rules" --input "$tmp/in.jsonl" --json
        done
        if [ -n "$old" ]; then
                for r in audit audit-by-fl what-if; do
                        cmp -s "$tmp/$r-new" "$tmp/$r-old" ||
                                { echo "history_mem: $r output differs from the old binary's" >&2; exit 1; }
                done
                echo "(outputs byte-identical to the old binary's)"
        fi
done
