#!/usr/bin/env bash
# e2e.sh - end-to-end throughput, latency and memory of `badgeproc run`,
# side by side with the machine's limit and a Python service, in one run.
#
# On one mock cluster (`badgeproc mock-cluster`, 1 broker, P partitions),
# with the same framed records in the four input topics (`badgeproc gen`
# then `badgeproc produce`), each round measures, one after the other:
#   copy    kcat consuming the four input topics from the beginning and
#           producing every record (key and value) to one output topic:
#           the cost of moving the bytes through Kafka and nothing else,
#           the limit a processor on this cluster can approach;
#   eos     `badgeproc run`, processing.guarantee=exactly_once, fresh state
#           directory, changelog and consumer group;
#   alo     the same with at_least_once;
#   python  bench/python_service.py (confluent-kafka + avro, the same
#           rules), at-least-once.
# Rates: kcat's is records / wall time of the copy; the services' is the
# steady rate between their first and last batch commits (start-up, i.e.
# group join and the first transaction, left out; bench/e2e_stats.py).
# Memory: peak RSS (VmHWM) and peak anonymous RSS (RssAnon sampled every
# 0.2 s: the heap and librdkafka's buffers, not LMDB's mapped file).
# The median of the rounds is reported, with each rate's ratio to the
# copy of the same round (the median of those ratios).
#
# Then latency: each service alone on fresh topics, fed at a fixed rate
# (bench/rate_feed.py | badgeproc produce) for a fixed time, with
# commit.interval.ms=100; p50/p99 of "badge event visible - event
# produced" (bench/e2e_stats.py latency says how visible is decided).
#
# Last, instruction counts per event (callgrind; repeatable where wall
# clock is not): engine apply+evaluate and codec decode/encode.
#
# Usage: bench/e2e.sh [-b build-dir] [-n events] [-f freelancers]
#                     [-p partitions] [-r rounds] [-R rate] [-s seconds]
#                     [-x] (skip python) [-C] (skip callgrind)
#                     [-L] (skip latency) [-S key=value] (a --set for
#                     every badgeproc run, repeatable) [-t ms] (every
#                     broker response delayed by ms, as over a network:
#                     mock-cluster --rtt-ms; default 0, loopback)
set -euo pipefail
cd "$(dirname "$0")/.."

build=build events=1000000 freelancers=100000 partitions=12 rounds=3
rate=10000 seconds=30 with_python=1 with_callgrind=1 with_latency=1
rtt_ms=0 run_sets=()
while getopts "b:n:f:p:r:R:s:xCLS:t:" opt; do
        case $opt in
        b) build=$OPTARG ;;
        n) events=$OPTARG ;;
        f) freelancers=$OPTARG ;;
        p) partitions=$OPTARG ;;
        r) rounds=$OPTARG ;;
        R) rate=$OPTARG ;;
        s) seconds=$OPTARG ;;
        x) with_python=0 ;;
        C) with_callgrind=0 ;;
        L) with_latency=0 ;;
        S) run_sets+=(--set "$OPTARG") ;;
        t) rtt_ms=$OPTARG ;;
        *) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        esac
done
bp=$build/badgeproc
rules=tests/data/rules-gen
inputs=(profile-updated contract-completed invitation-sent partner-decision)
[ -x "$bp" ] || scripts/build.sh "$build"
command -v kcat >/dev/null || { echo "e2e: kcat is not installed" >&2; exit 1; }

. bench/bench_lib.sh

# Every topic any step uses, created up front with P partitions (a topic
# the mock creates on first use gets 4, and the changelog must match the
# inputs).
topics=("${inputs[@]}")
for r in $(seq "$rounds"); do
        topics+=("copy-$r" "eos-badges-$r" "eos-changelog-$r" "alo-badges-$r"
                "alo-changelog-$r" "python-badges-$r" "dlq-$r")
done
for m in eos alo python; do
        for t in "${inputs[@]}"; do topics+=("lat-$m.$t"); done
        topics+=("lat-$m-badges" "lat-$m-changelog")
done
start_cluster --partitions "$partitions" --rtt-ms "$rtt_ms" \
        --topics "$(IFS=,; echo "${topics[*]}")"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "== load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $events events, $freelancers freelancers, 5 partners, $partitions partitions, $rounds rounds, broker rtt $rtt_ms ms"
"$bp" gen --events "$events" --freelancers "$freelancers" --partners 5 >"$tmp/events.jsonl"
"$bp" produce --brokers "$bootstrap" --input "$tmp/events.jsonl" 2>"$tmp/produce.err" ||
        { cat "$tmp/produce.err" >&2; exit 1; }

# Records in a topic: the sum over partitions of the high watermark.
topic_count() {
        kcat -C -b "$bootstrap" -t "$1" -o -1 -e -q -f '%o\n' 2>/dev/null |
                awk '{s += $1 + 1} END {print s + 0}'
}

# badgeproc run with the round's own group, state, changelog and outputs;
# extra --set arguments follow.
start_badgeproc() {
        local mode=$1 tag=$2 guarantee
        shift 2
        [ "$mode" = eos ] && guarantee=exactly_once || guarantee=at_least_once
        rm -rf "$tmp/state-$tag"
        "$bp" run --set kafka.bootstrap.servers="$bootstrap" \
                --set kafka.group.id="bench-$tag" --set instance.id="$tag" \
                --set rules.dir="$rules" --set state.dir="$tmp/state-$tag" \
                --set processing.guarantee="$guarantee" \
                --set metrics.listen=off --set log.level=debug \
                --set stats.interval.ms=60000 "${run_sets[@]}" "$@" \
                2>"$tmp/$tag.log" &
        svc_pid=$!
        pids+=("$svc_pid")
}

start_python() {
        local tag=$1
        shift
        $PY bench/python_service.py --brokers "$bootstrap" --group "bench-$tag" \
                --rules "$rules" --schema-map schemas/schema-map.txt "$@" \
                2>"$tmp/$tag.log" &
        svc_pid=$!
        pids+=("$svc_pid")
}

kcat_copy() {
        local r=$1 fmt='%k\x1f\x1e\x1d%s\x1c\x1b\x1a' t0 t1 n
        t0=$(date +%s.%N)
        for t in "${inputs[@]}"; do
                /usr/bin/time -a -o "$tmp/copy-$r.rss" -f '%M' \
                        kcat -C -b "$bootstrap" -t "$t" -o beginning -e -q -f "$fmt"
        done | /usr/bin/time -a -o "$tmp/copy-$r.rss" -f '%M' \
                kcat -P -b "$bootstrap" -t "copy-$r" -K '\x1f\x1e\x1d' -D '\x1c\x1b\x1a'
        t1=$(date +%s.%N)
        n=$(topic_count "copy-$r")
        [ "$n" -eq "$events" ] || { echo "e2e: kcat copied $n of $events" >&2; exit 1; }
        awk -v s="$t0" -v e="$t1" -v n="$events" 'BEGIN { printf "%.0f", n / (e - s) }'
}

declare -A res
for r in $(seq "$rounds"); do
        echo "-- round $r (load $(cut -d' ' -f1 /proc/loadavg))"
        res[copy,$r]=$(kcat_copy "$r")
        # consumer and producer run at once: peak = largest of each summed
        res[copy_rss,$r]=$(sort -n "$tmp/copy-$r.rss" | tail -2 | awk '{s += $1} END {print s}')
        echo "copy:   ${res[copy,$r]} events/s"
        for m in eos alo; do
                start_badgeproc "$m" "$m-$r" --set topics.badge_events="$m-badges-$r" \
                        --set topics.changelog="$m-changelog-$r" --set topics.dlq="dlq-$r"
                watch_service "$svc_pid" "$tmp/$m-$r.log" "$events"
                res[$m,$r]=$($PY bench/e2e_stats.py rate "$tmp/$m-$r.log" "$events")
                res[${m}_rss,$r]=$hwm_kb res[${m}_anon,$r]=$peak_anon_kb
                echo "$m:    ${res[$m,$r]} events/s, VmHWM $hwm_kb kB, RssAnon $peak_anon_kb kB, $(topic_count "$m-badges-$r") badge events"
        done
        if [ "$with_python" = 1 ]; then
                start_python "python-$r" --output "python-badges-$r"
                watch_service "$svc_pid" "$tmp/python-$r.log" "$events"
                res[python,$r]=$($PY bench/e2e_stats.py rate "$tmp/python-$r.log" "$events")
                res[python_rss,$r]=$hwm_kb res[python_anon,$r]=$peak_anon_kb
                echo "python: ${res[python,$r]} events/s, VmHWM $hwm_kb kB, RssAnon $peak_anon_kb kB, $(topic_count "python-badges-$r") badge events"
        fi
done

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
col() { local k=$1 r; for r in $(seq "$rounds"); do echo "${res[$k,$r]}"; done | median; }
ratio() {
        local k=$1 r
        for r in $(seq "$rounds"); do
                awk -v a="${res[$k,$r]}" -v b="${res[copy,$r]}" 'BEGIN { printf "%.2f\n", a / b }'
        done | median
}

# Latency: one service at a time on its own fresh topics.
lat() {
        local m=$1 n=$((rate * seconds)) now
        if [ "$m" = python ]; then
                start_python "lat-$m" --output "lat-$m-badges" \
                        --topics "$(printf "lat-$m.%s," "${inputs[@]}" | sed 's/,$//')"
                until grep -q 'event=assigned' "$tmp/lat-$m.log" 2>/dev/null; do
                        kill -0 "$svc_pid" || return 1
                        sleep 0.2
                done
        else
                start_badgeproc "$m" "lat-$m" --set commit.interval.ms=100 \
                        --set topics.profile_updated="lat-$m.profile-updated" \
                        --set topics.contract_completed="lat-$m.contract-completed" \
                        --set topics.invitation_sent="lat-$m.invitation-sent" \
                        --set topics.partner_decision="lat-$m.partner-decision" \
                        --set topics.badge_events="lat-$m-badges" \
                        --set topics.changelog="lat-$m-changelog" --set topics.dlq=dlq-1
                until [ "$(cat "$tmp/lat-$m.log" 2>/dev/null | grep -c 'event=rules_reevaluated')" -ge "$partitions" ]; do
                        kill -0 "$svc_pid" || return 1
                        sleep 0.2
                done
        fi
        sleep 1
        now=$(($(date +%s%3N)))
        # 10,000 freelancers: enough events each that badges change often.
        "$bp" gen --events "$n" --freelancers 10000 --partners 5 --seed 7 \
                --start-ms "$now" --step-ms 1 |
                $PY bench/rate_feed.py "$rate" "$seconds" |
                "$bp" produce --brokers "$bootstrap" --topic-prefix "lat-$m." --input - 2>"$tmp/lat-$m.produce"
        watch_service "$svc_pid" "$tmp/lat-$m.log" "$n"
        "$bp" consume --brokers "$bootstrap" --topic "lat-$m-badges" --from-beginning \
                --exit-at-end --with-kafka >"$tmp/lat-$m.badges" 2>/dev/null
        $PY bench/e2e_stats.py latency "$tmp/lat-$m.log" "$tmp/lat-$m.badges"
}
[ "$with_latency" = 1 ] &&
        echo "-- latency at $rate events/s for $seconds s, commit.interval.ms=100 (load $(cut -d' ' -f1 /proc/loadavg))"
for m in eos alo python; do
        [ "$with_latency" = 0 ] && break
        [ "$m" = python ] && [ "$with_python" = 0 ] && continue
        res[lat_$m]=$(lat "$m")
        echo "$m: ${res[lat_$m]}"
done

if [ "$with_callgrind" = 1 ] && command -v valgrind >/dev/null; then
        echo "-- instructions per event (callgrind)"
        ir() { # ir FUNCTION EVENTS COMMAND...: Ir inside FUNCTION / EVENTS
                local fn=$1 n=$2
                shift 2
                valgrind --tool=callgrind --callgrind-out-file=/dev/null \
                        --toggle-collect="$fn" "$@" 2>&1 >/dev/null |
                        awk -v n="$n" '/Collected :/ {printf "%.0f", $4 / n}'
        }
        res[ir_engine]=$(ir engine_run 200000 "$build/bench/bench_engine" 200000 20000 1 "$rules")
        res[ir_decode]=$(ir bench_decode 200000 "$build/bench/bench_codec" schemas/schema-map.txt 200000 1)
        res[ir_encode]=$(ir bench_encode 200000 "$build/bench/bench_codec" schemas/schema-map.txt 200000 1)
        echo "engine apply+evaluate: ${res[ir_engine]} Ir/event (200,000 events, 20,000 freelancers)"
        echo "codec decode ProfileUpdated: ${res[ir_decode]} Ir/record; encode: ${res[ir_encode]} Ir/record"
fi

echo
echo "== summary (median of $rounds rounds; ratio = median of per-round ratios to the copy; load at end $(cut -d' ' -f1-3 /proc/loadavg))"
printf '| %-34s | %12s | %8s | %10s | %12s | %s |\n' what events/s "vs copy" "peak RSS" "peak anon" "latency @ $rate/s"
printf '|%s|%s|%s|%s|%s|%s|\n' ------------------------------------ -------------- ---------- ------------ -------------- ------------------
printf '| %-34s | %12s | %8s | %10s | %12s | %s |\n' "kcat copy (consume + produce)" "$(col copy)" 1.00 "$(( $(col copy_rss) / 1024 )) MiB" - -
printf '| %-34s | %12s | %8s | %10s | %12s | %s |\n' "badgeproc run, exactly-once" "$(col eos)" "$(ratio eos)" "$(( $(col eos_rss) / 1024 )) MiB" "$(( $(col eos_anon) / 1024 )) MiB" "${res[lat_eos]:--}"
printf '| %-34s | %12s | %8s | %10s | %12s | %s |\n' "badgeproc run, at-least-once" "$(col alo)" "$(ratio alo)" "$(( $(col alo_rss) / 1024 )) MiB" "$(( $(col alo_anon) / 1024 )) MiB" "${res[lat_alo]:--}"
if [ "$with_python" = 1 ]; then
        printf '| %-34s | %12s | %8s | %10s | %12s | %s |\n' "Python service (at-least-once)" "$(col python)" "$(ratio python)" "$(( $(col python_rss) / 1024 )) MiB" "$(( $(col python_anon) / 1024 )) MiB" "${res[lat_python]:--}"
        echo "badgeproc exactly-once / Python: $(awk -v a="$(col eos)" -v b="$(col python)" 'BEGIN { printf "%.1f", a / b }')x"
fi
