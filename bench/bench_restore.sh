#!/usr/bin/env bash
# bench_restore.sh - how fast `badgeproc run` restores its state from the
# changelog, on the mock cluster (prints figures; not a test).
#
#   full   an instance with an empty state directory restores every
#          changelog partition from its start: records and records/s, from
#          the first restore_started to the last restored log line;
#   delta  an instance killed with SIGKILL mid-processing restarts on its
#          store: records read and the longest partition restore, at a
#          small store and at a large one (the checkpoint bounds the tail,
#          whatever the store holds).
#
# The changelog is written by the runtime itself from generated events (one
# state record per freelancer changed per batch). The default 800,000
# events (plus the two tails) make about 1,200,000 changelog records, the
# issue's million with room, and 128 partitions keep every changelog
# partition well inside the mock's 5 MiB window (about 1.5 MiB each).
# The full restore says so when it read fewer than 1,000,000 records.
# Usage: bench/bench_restore.sh [build-dir]  (EVENTS=N, default 800,000)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
export BP_BIN=$build/badgeproc BP_SRC=$PWD
. tests/eos_lib.sh

events=${EVENTS:-800000}
small=100000 tail=200000
parts=128
mc_start --brokers 3 --partitions $parts
"$BP_BIN" gen --events $((events + 2 * tail)) --freelancers 1000000 --seed 9 \
        >"$work/all.jsonl"
# Chunks, in stream order: A (small store), B (tail), C (the rest), D (tail).
head -n $small "$work/all.jsonl" >"$work/A"
sed -n "$((small + 1)),$((small + tail))p" "$work/all.jsonl" >"$work/B"
sed -n "$((small + tail + 1)),$((events + tail))p" "$work/all.jsonl" >"$work/C"
tail -n $tail "$work/all.jsonl" >"$work/D"
produce() {
        timeout 600 "$BP_BIN" produce --brokers "$bootstrap" --input "$1" \
                --schema-map "$schema_map" 2>"$work/produce.log" ||
                fail "produce: $(cat "$work/produce.log")"
}
opts=(batch.max.events=10000 commit.interval.ms=200)

# restore_figures LOG: records, ms from first start to last end, records/s.
restore_figures() {
        grep -E 'event=(restore_started|restored) ' "$1" | awk '
        { split($1, a, "T"); split(a[2], t, ":"); sub("Z", "", t[3])
          ms = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 }
        /restore_started/ && !first { first = ms }
        /event=restored / { last = ms; for (i = 1; i <= NF; i++)
                if ($i ~ /^records=/) { split($i, kv, "="); n += kv[2] } }
        END { if (!first) { print "no partition had anything to restore"; exit }
              d = last - first; printf "%d records in %d ms: %.0f records/s\n",
                n, d, (d > 0 ? n * 1000 / d : 0) }'
}

# delta NAME: starts x on its store, kills it mid-processing, restarts it
# and reports the restore; then lets it finish.
delta() {
        local want=$2
        # At debug level the first batch_committed shows up at once; the
        # info-level progress line comes only after seconds, when the
        # whole tail may be processed and stored (nothing to restore).
        # Half a second later the next batch is committing (its states
        # and seal in the changelog, not yet in the store).
        eos_start "x.$1" "$work/x" "${opts[@]}" "kafka.group.id=bench-$1" log.level=debug
        eos_wait_log "x.$1" 'event=batch_committed|event=progress applied=[1-9]' 60
        sleep 0.5
        eos_kill "x.$1"
        eos_start "x.$1r" "$work/x" "${opts[@]}" "kafka.group.id=bench-$1r" log.level=debug
        eos_wait_offsets "$work/x" "$want" 600
        eos_stop "x.$1r"
        echo "delta restore after SIGKILL, store of $(eos_states "$work/x") states:"
        echo "  $(restore_figures "$work/x.$1r.err")," \
                "longest partition $(grep 'event=restored ' "$work/x.$1r.err" |
                        sed -E 's/.* ms=([0-9]+).*/\1/' | sort -n | tail -n 1) ms"
}

eos_states() {
        "$BP_BIN" state dump --state-dir "$1" --schema-map "$schema_map" | wc -l
}

produce "$work/A"
eos_start x.load1 "$work/x" "${opts[@]}" kafka.group.id=bench-load1
eos_wait_offsets "$work/x" $small 600
eos_stop x.load1
produce "$work/B"
delta small $((small + tail))

produce "$work/C"
eos_start x.load2 "$work/x" "${opts[@]}" kafka.group.id=bench-load2
eos_wait_offsets "$work/x" $((events + tail)) 1200
eos_stop x.load2
produce "$work/D"
delta large $((events + 2 * tail))

# What the mock serves to a plain consumer, for comparison: kcat reading
# the whole changelog (all partitions), records/s.
t0=$(date +%s.%N)
n=$(timeout 600 kcat -C -b "$bootstrap" -t badge-state-changelog -o beginning \
        -e -q -f '\n' | wc -l)
t1=$(date +%s.%N)
echo "kcat, whole changelog: $n records in $(echo "$t1 - $t0" | bc) s:" \
        "$(echo "$n / ($t1 - $t0)" | bc) records/s"

eos_start y "$work/y" "${opts[@]}" kafka.group.id=bench-full log.level=debug
eos_wait_log y "event=progress" 60
until [ "$(grep -c 'event=restored ' "$work/y.err")" -ge $parts ]; do
        kill -0 "${eos_pid[y]}" || fail "y died"
        sleep 0.5
done
eos_stop y
echo "full restore, empty store, $parts partitions, $(eos_states "$work/y") states:"
echo "  $(restore_figures "$work/y.err")"
full=$(grep 'event=restored ' "$work/y.err" | sed -E 's/.* records=([0-9]+).*/\1/' |
        awk '{ n += $1 } END { print n + 0 }')
[ "$full" -ge 1000000 ] ||
        echo "  (only $full changelog records: raise EVENTS for the million)"
grep 'event=restore_progress' "$work/y.err" | tail -n 2 | sed -E 's/^ts=[^ ]+ level=info /  /'
mc_stop
