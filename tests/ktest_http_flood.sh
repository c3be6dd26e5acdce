#!/usr/bin/env bash
# ktest_http_flood.sh - the metrics server of `badgeproc run` under a
# flood, on a real Kafka cluster: the flood of itest_http_flood.sh
# (tests/http_flood.py: slowloris, silent and huge-header connections
# from 127.0.0.1 while 100 /healthz probes from 127.0.0.2 each need a 200 within 1 s)
# against an instance that is consuming and committing transactions.
#
# Asserts: every probe answered in time; the instance's RSS under 64 MB;
# no slowloris or silent connection outlived the request deadline by more
# than a second; the instance logged the connections it ended; and
# processing went on: the half of the history produced after the flood
# began was applied before the flood ended.
. "$(dirname "$0")/kafka_real_lib.sh"
. "$(dirname "$0")/http_flood_lib.sh"
kr_use_shared_cluster

prefix="bp-flood-$$-$(date +%s)."
kr_topics "$prefix" 3
kr_topic_opts "$prefix"
"$BP_BIN" gen --events 2000 --freelancers 200 --seed 16 >"$work/in.jsonl"
head -n 1000 "$work/in.jsonl" >"$work/first.jsonl"
tail -n +1001 "$work/in.jsonl" >"$work/second.jsonl"
produce() {
        timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$1" \
                --topic-prefix "$prefix" --schema-map "$schema_map" \
                2>"$work/produce.err" || fail "produce failed: $(tail -n 3 "$work/produce.err")"
}
# The instance's last reported count of applied events.
applied() {
        grep -E 'event=progress ' "$work/a.err" | tail -n 1 |
                sed -nE 's/.* applied=([0-9]+).*/\1/p'
}
wait_applied() {
        local deadline=$((SECONDS + 60))
        until [ "$(applied)" -ge "$1" ] 2>/dev/null; do
                kill -0 "${eos_pid[a]}" 2>/dev/null || fail "the instance exited"
                [ "$SECONDS" -lt "$deadline" ] || fail "applied $(applied), not $1, in 60 s"
                sleep 0.1
        done
}

produce "$work/first.jsonl"
eos_start a "$work/a" "${kr_opts[@]}" metrics.listen=127.0.0.1:0 stats.interval.ms=100
port=$(flood_port "$work/a.err" "${eos_pid[a]}")
wait_applied 1000

flood_start "$port" "${eos_pid[a]}"
sleep 2
produce "$work/second.jsonl"
wait_applied 2000
kill -0 "$flood_pid" 2>/dev/null ||
        fail "the flood ended before the events produced during it were applied"
echo "  all 2000 events applied while the flood went on"
flood_judge "$work/a.err"
eos_stop a
echo "ok: real Kafka: /healthz answered under the flood, processing went on"
