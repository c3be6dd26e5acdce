#!/usr/bin/env bash
# state_scale.sh - `badgeproc run` over stores of growing size: events per
# second, heap and store size per freelancer.
#
# For each store size S (default 100,000, 1,000,000 and 10,000,000
# freelancers): bench_state_gen writes S freelancers' states straight
# into a fresh store (see bench/bench_state_gen.c for why and how), then
# N generated events (default 1,000,000) over the same S freelancers are
# produced to fresh input topics of one mock cluster and `badgeproc run`
# (exactly-once, default settings) processes them from that store. With
# S above state.cache.max most events load their state from LMDB, which
# is the point: the rate and the heap must not grow with S.
# Reports per S: the steady rate (bench/e2e_stats.py rate), peak RssAnon
# (heap and librdkafka buffers; LMDB's file mapping is not anonymous),
# VmHWM (which does count mapped store pages), and data.mdb per freelancer
# as generated and after the run.
#
# Usage: bench/state_scale.sh [-b build-dir] [-n events] [-S key=value]...
#        [SIZES...]   (-S: a --set for badgeproc run, repeatable)
set -euo pipefail
cd "$(dirname "$0")/.."
build=build events=1000000
run_sets=()
while getopts "b:n:S:" opt; do
        case $opt in
        b) build=$OPTARG ;;
        n) events=$OPTARG ;;
        S) run_sets+=(--set "$OPTARG") ;;
        *) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        esac
done
shift $((OPTIND - 1))
sizes=("${@:-100000 1000000 10000000}")
read -r -a sizes <<<"${sizes[*]}"
bp=$build/badgeproc
inputs=(profile-updated contract-completed invitation-sent partner-decision)
[ -x "$build/bench/bench_state_gen" ] || scripts/build.sh "$build"
. bench/bench_lib.sh

topics=()
for s in "${sizes[@]}"; do
        for t in "${inputs[@]}"; do topics+=("s$s.$t"); done
        topics+=("s$s-badges" "s$s-changelog" "s$s-dlq")
done
start_cluster --partitions 12 --topics "$(IFS=,; echo "${topics[*]}")"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %12s | %10s | %12s | %10s | %10s | %14s |\n' freelancers events/s "peak anon" VmHWM "bytes/fl" "bytes/fl after"
for s in "${sizes[@]}"; do
        store=$tmp/store-$s
        gen_line=$("$build/bench/bench_state_gen" "$store" "$s" 12)
        per_fl=$(echo "$gen_line" | sed 's/.* \([0-9]*\) bytes per freelancer/\1/')
        "$bp" gen --events "$events" --freelancers "$s" --partners 5 --seed 3 |
                "$bp" produce --brokers "$bootstrap" --topic-prefix "s$s." --input - 2>/dev/null
        "$bp" run --set kafka.bootstrap.servers="$bootstrap" \
                --set kafka.group.id="scale-$s" --set instance.id="scale-$s" \
                --set rules.dir=tests/data/rules-gen --set state.dir="$store" \
                --set topics.profile_updated="s$s.profile-updated" \
                --set topics.contract_completed="s$s.contract-completed" \
                --set topics.invitation_sent="s$s.invitation-sent" \
                --set topics.partner_decision="s$s.partner-decision" \
                --set topics.badge_events="s$s-badges" \
                --set topics.changelog="s$s-changelog" --set topics.dlq="s$s-dlq" \
                --set metrics.listen=off --set log.level=debug \
                --set stats.interval.ms=60000 "${run_sets[@]}" \
                2>"$tmp/run-$s.log" &
        pid=$!
        pids+=("$pid")
        watch_service "$pid" "$tmp/run-$s.log" "$events"
        rate=$($PY bench/e2e_stats.py rate "$tmp/run-$s.log" "$events")
        after=$(stat -c %s "$store/data.mdb")
        printf '| %12s | %10s | %8d MiB | %6d MiB | %10s | %14.0f |\n' "$s" "$rate" \
                $((peak_anon_kb / 1024)) $((hwm_kb / 1024)) "$per_fl" \
                "$(awk -v a="$after" -v s="$s" 'BEGIN { print a / s }')"
        rm -rf "$store"
done
