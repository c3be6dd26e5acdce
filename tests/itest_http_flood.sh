#!/usr/bin/env bash
# itest_http_flood.sh - the metrics server of `badgeproc run` under a
# flood, on the mock cluster: slowloris, silent and huge-header
# connections from 127.0.0.1 while 100 /healthz probes from 127.0.0.2
# (another client) each need a 200 within 1 s (tests/http_flood.py).
#
# Asserts: every probe answered in time; the runner's RSS under 64 MB; no
# slowloris or silent connection outlived the 2 s request deadline (and
# its 100 ms sweep) by more than a second; the runner logged the
# connections it ended; and processing went on during the flood: the
# half of the events produced after the flood began were all applied
# before it ended.
. "$(dirname "$0")/itest_lib.sh"
. "$(dirname "$0")/http_flood_lib.sh"

mc_start --partitions 3
"$BP_BIN" gen --events 2000 --freelancers 200 >"$work/events.jsonl"
head -n 1000 "$work/events.jsonl" >"$work/first.jsonl"
tail -n +1001 "$work/events.jsonl" >"$work/second.jsonl"
produce() {
        timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$1" \
                --schema-map "$schema_map" 2>"$work/produce.err" ||
                fail "produce failed: $(tail -n 3 "$work/produce.err")"
}

produce "$work/first.jsonl"
run_start run1 metrics.listen=127.0.0.1:0
port=$(flood_port "$work/run1.err" "$run_pid")
run_wait applied 1000 60

flood_start "$port" "$run_pid"
sleep 2
produce "$work/second.jsonl"
run_wait applied 2000 60
kill -0 "$flood_pid" 2>/dev/null ||
        fail "the flood ended before the events produced during it were applied"
echo "  all 2000 events applied while the flood went on"
flood_judge "$work/run1.err"
run_stop
echo "ok: /healthz answered under the flood, processing went on"
