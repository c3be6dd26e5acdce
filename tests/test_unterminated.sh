#!/usr/bin/env bash
# test_unterminated.sh - every command that reads lines from a path stops
# at its line limit on input that has no newline, instead of reading for
# ever: /dev/zero, a FIFO a writer keeps full of 'x', and a 2 MiB file
# without a newline.
#
# For each of them, and each reader of JSON Lines (replay, explain,
# what-if, audit's --input and --published, convert, produce), asserts:
# the command exits non-zero within 5 s (a timeout of 10 s catches a
# spin), its stderr says `line 1: longer than the limit of 1048576
# bytes`, and its peak resident memory stays under 64 MiB (the reader
# keeps 1 MiB and a 64 KiB chunk). The config file reader (`run
# --config`) is held to the same on the same inputs with its own limit
# (64 KiB a line; /dev/zero is refused at its first NUL byte).
set -euo pipefail

# shellcheck source=tests/cli_lib.sh
. "${BP_SRC:?BP_SRC must name the source tree}/tests/cli_lib.sh"
command -v /usr/bin/time >/dev/null || fail "/usr/bin/time (GNU time) is not installed"

mc_pid=""
feed_pid=""
stop_all() {
        [ -z "$feed_pid" ] || kill "$feed_pid" 2>/dev/null || true
        [ -z "$mc_pid" ] || kill "$mc_pid" 2>/dev/null || true
        rm -rf "$work"
}
trap stop_all EXIT

RSS_MAX_KB=$((64 * 1024))
TIME_MAX_S=5
rules="$BP_SRC/tests/data/audit/rules"

head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$work/long"
: >"$work/empty.jsonl"
mkfifo "$work/fifo"

# produce needs a cluster to start; the mock cluster will do.
"$BP_BIN" mock-cluster >"$work/mc.out" 2>"$work/mc.err" &
mc_pid=$!
for _ in $(seq 100); do
        [ -s "$work/mc.out" ] && break
        sleep 0.1
done
bootstrap=$(head -n 1 "$work/mc.out")
[ -n "$bootstrap" ] || fail "mock-cluster printed no bootstrap line"

# A writer that would never stop: 'x' without a newline, into the FIFO
# (it dies of SIGPIPE when the reader is gone).
feed() {
        [ -z "$feed_pid" ] || kill "$feed_pid" 2>/dev/null || true
        (yes x | tr -d '\n' >"$work/fifo") 2>/dev/null &
        feed_pid=$!
}

# check NAME WANT INPUT CMD...: runs CMD (in which @IN stands for INPUT)
# under timeout and GNU time; fails unless it exits non-zero in time,
# within the memory bound, with stderr matching the extended regex WANT.
check() {
        local name=$1 want=$2 input=$3 rc=0 arg t0 t1 ms rss
        local cmd=()
        shift 3
        for arg in "$@"; do cmd+=("${arg//@IN/$input}"); done
        [ "$input" != "$work/fifo" ] || feed
        t0=$(date +%s%N)
        /usr/bin/time -o "$work/time" -f '%M' \
                timeout 10 "${cmd[@]}" >"$work/out" 2>"$work/err" </dev/null || rc=$?
        t1=$(date +%s%N)
        ms=$(((t1 - t0) / 1000000))
        rss=$(tail -n 1 "$work/time")
        [ "$rc" -ne 124 ] || fail "$name on $input: still running after 10 s"
        [ "$rc" -ne 0 ] || fail "$name on $input: exit status 0"
        [ "$ms" -le $((TIME_MAX_S * 1000)) ] || fail "$name on $input: took $ms ms"
        [ "$rss" -le "$RSS_MAX_KB" ] || fail "$name on $input: peak RSS $rss KiB"
        grep -qE "$want" "$work/err" ||
                fail "$name on $input: stderr lacks /$want/: $(head -c 600 "$work/err")"
        printf '  %-18s %-10s exit %d in %4d ms, peak RSS %6d KiB\n' \
                "$name" "${input##*/}" "$rc" "$ms" "$rss"
}

LONG='(^|:)(published )?line 1: longer than the limit of 1048576 bytes$'
for input in /dev/zero "$work/fifo" "$work/long"; do
        check replay "$LONG" "$input" "$BP_BIN" replay --quiet --input @IN
        check explain "$LONG" "$input" "$BP_BIN" explain --rules "$rules" \
                --input @IN --freelancer fl-maria
        check what-if "$LONG" "$input" "$BP_BIN" what-if --rules "$rules" \
                --new-rules "$rules" --input @IN
        check audit-input "$LONG" "$input" "$BP_BIN" audit --rules "$rules" \
                --input @IN --published "$work/empty.jsonl"
        check audit-published "$LONG" "$input" "$BP_BIN" audit --rules "$rules" \
                --input "$work/empty.jsonl" --published @IN
        check convert "$LONG" "$input" "$BP_BIN" convert --input @IN \
                --output-format jsonl
        check produce "$LONG" "$input" "$BP_BIN" produce --brokers "$bootstrap" \
                --schema-map "$BP_SRC/schemas/schema-map.txt" --input @IN
        check run-config ':1: (line longer than 65536 bytes|NUL byte in line)$' \
                "$input" "$BP_BIN" run --config @IN
done
echo "every line reader stopped at its limit"
