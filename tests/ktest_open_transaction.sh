#!/usr/bin/env bash
# ktest_open_transaction.sh - `badgeproc consume --exit-at-end` under
# isolation.level=read_committed on a real Kafka cluster, behind a
# transaction that its producer left open (killed with SIGKILL).
#
# The broker holds the topic's last stable offset at the open
# transaction's first record until transaction.timeout.ms has passed and
# it aborts it; the records produced after it are committed but not yet
# readable. A reader that took the last stable offset as the end would
# stop before them, and every test that judges badge-events after a
# kill -9 would miss events. Asserts: consume waits for the abort and
# prints exactly the records produced after the killed transaction, none
# of the aborted ones, and the same at read_uncommitted includes them.
. "$(dirname "$0")/kafka_real_lib.sh"
kr_use_shared_cluster
[ -x "$KAFKA_BIN/kafka-producer-perf-test.sh" ] ||
        kr_skip "KAFKA_BIN has no kafka-producer-perf-test.sh"

topic="bp-opentxn-$$-$(date +%s)"
"$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$bootstrap" --create \
        --topic "$topic" --partitions 1 --replication-factor 1 \
        >"$work/topic.log" 2>&1 || fail "cannot create $topic: $(tail -n 3 "$work/topic.log")"

# perf_test LOG PROPERTY ARGS...: kafka-producer-perf-test.sh of 10-byte
# records (its --command-property takes every property at once).
perf_test() {
        (exec_perf_test "$@")
}
exec_perf_test() {
        local log=$1 prop=$2
        shift 2
        exec "$KAFKA_BIN/kafka-producer-perf-test.sh" --topic "$topic" --record-size 10 \
                "$@" --command-property "bootstrap.servers=$bootstrap" $prop >"$log" 2>&1
}

# A transaction that lasts 100 s, killed after its first records (exec:
# the kill reaches the JVM itself).
(exec_perf_test "$work/txn.log" transaction.timeout.ms=5000 \
        --num-records 100000 --throughput 50 \
        --transactional-id "$topic-txn" --transaction-duration-ms 100000) &
txn_pid=$!
bg_pids+=("$txn_pid")
deadline=$((SECONDS + 60))
until [ "$(kr_hw "$topic")" -ge 20 ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "the transactional producer wrote nothing: $(tail -n 3 "$work/txn.log")"
        kill -0 "$txn_pid" 2>/dev/null || fail "the transactional producer exited: $(tail -n 3 "$work/txn.log")"
        sleep 0.5
done
kill -KILL "$txn_pid"
wait "$txn_pid" 2>/dev/null || true
open=$(kr_hw "$topic")
perf_test "$work/after.log" acks=all --num-records 3 --throughput -1 ||
        fail "cannot produce after the transaction: $(tail -n 3 "$work/after.log")"
echo "  a transaction left open with $open records, then 3 plain records"

consume() {
        local iso=$1 rc=0
        timeout 120 "$BP_BIN" consume --brokers "$bootstrap" --topic "$topic" \
                --from-beginning --exit-at-end -X "isolation.level=$iso" --schema-map "$schema_map" \
                >"$work/$iso.jsonl" 2>"$work/$iso.log" || rc=$?
        # The records are not Avro: exit 3, every one "undecodable".
        [ "$rc" -eq 3 ] || fail "consume at $iso exited $rc: $(tail -n 3 "$work/$iso.log")"
        wc -l <"$work/$iso.jsonl"
}
start=$SECONDS
got=$(consume read_committed)
echo "  read_committed: $got records after $((SECONDS - start)) s (the broker's abort)"
[ "$got" -eq 3 ] || fail "read_committed --exit-at-end printed $got records, not the 3 after the aborted transaction"
got=$(consume read_uncommitted)
[ "$got" -eq $((open + 3)) ] || fail "read_uncommitted printed $got records, not $((open + 3))"
echo "ok: consume --exit-at-end at read_committed waits out a producer's open transaction"
