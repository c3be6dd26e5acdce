#!/usr/bin/env bash
# ktest_broker_failure.sh - exactly-once across broker failures, on a
# three-node Apache Kafka cluster of the test's own (scripts/kafka.sh,
# KRaft, every node broker and controller) with every topic at
# replication factor 3 and min.insync.replicas=2, so that one broker may
# be down without stopping writes.
#
# Two scenarios, each on topics of its own with an input of its own
# (6,000 events, 1,000 freelancers), each with two instances of
# `badgeproc run` and a generator (`badgeproc produce --in-order`, see
# ktest_scale_out.sh: the replay of the file is an exact oracle; it is
# idempotent and retries, and must exit 0):
#   kill  the broker hosting the group's coordinator (it also leads about
#         a third of the scenario's partitions, and may host a
#         transaction coordinator: the test says) is killed with SIGKILL
#         mid-stream; the instances go on with two brokers for 1,500
#         inputs, then the broker starts again and catches up (no
#         partition under-replicated);
#   term  the leader of an input partition is stopped with SIGTERM (a
#         controlled shutdown: its leaderships move first), and brought
#         back in the same way.
# Asserts, per scenario: the generator and both instances survive (each
# is alive at the end, and exits 0 on SIGTERM); reading badge-events with
# isolation.level=read_committed: every replay event, none unexpected,
# zero duplicates, the replay's order per freelancer; the stores' state
# equals the replay's. Prints the aborted batches, transaction errors,
# producer restarts and librdkafka idempotence errors that were logged.
#
# Settings that differ from the other real-Kafka tests, and why:
# - kafka.transaction.timeout.ms=60000, not kr_topic_opts' 10 s: a
#   transaction open on a broker that dies waits for the controller to
#   fence it (broker.session.timeout.ms, 4 s on scripts/kafka.sh's
#   three-node cluster) and for the clients to find the new leaders.
# - kafka.session.timeout.ms=15000 (a heartbeat a second), not
#   eos_start's 3.5 s. A consumer that hears from no group coordinator
#   for a session (its coordinator's broker was killed, and the new one
#   is not known yet) times out on its own side, and librdkafka 2.0.2
#   (master too, in rd_kafka_cgrp_session_timeout_check) then resets its
#   member id to "" while it waits for the application to take the lost
#   partitions; its next Heartbeat, to the new coordinator, carries the
#   empty member id with our group.instance.id, and the coordinator
#   answers FENCED_INSTANCE_ID: fatal for the consumer, which fenced
#   itself (seen here with 3.5 s: both instances stopped at once, logging
#   event=fenced; confluentinc/librdkafka#3437). The session must outlast
#   a coordinator failover (librdkafka's default is 45 s).
. "$(dirname "$0")/kafka_real_lib.sh"

events=${BF_EVENTS:-6000} # per scenario
kr_cluster_start k3 --nodes 3
echo "cluster: $bootstrap"

# coord_partition KEY N: the partition of an internal topic of N
# partitions whose leader is KEY's coordinator (Kafka: the absolute value
# of Java's String.hashCode of KEY, modulo N).
coord_partition() {
        local key=$1 h=0 i c
        for ((i = 0; i < ${#key}; i++)); do
                printf -v c '%d' "'${key:i:1}"
                h=$(((h * 31 + c) & 0xffffffff))
        done
        ((h < 0x80000000)) || h=$((0x100000000 - h))
        echo $((h % $2))
}

# describe: every partition of the cluster, with its leader, into
# $described (one JVM for all the look-ups below).
describe() {
        described=$("$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$bootstrap" \
                --describe 2>/dev/null) || fail "kafka-topics.sh --describe failed"
}

# leader_of TOPIC PARTITION: the node leading that partition (describe).
leader_of() {
        awk -v t="$1" -v p="$2" '{
                for (i = 1; i < NF; i++) {
                        if ($i == "Topic:") topic = $(i + 1)
                        if ($i == "Partition:") part = $(i + 1)
                        if ($i == "Leader:" && topic == t && part == p) print $(i + 1)
                }}' <<<"$described"
}

# partitions_of TOPIC: its partition count (describe).
partitions_of() {
        sed -nE "s/^Topic: $1\t.*PartitionCount: ([0-9]+).*/\1/p" <<<"$described"
}

# coordinator_of KEY TOPIC: the node coordinating KEY (a group id with
# __consumer_offsets, a transactional.id with __transaction_state).
coordinator_of() {
        leader_of "$2" "$(coord_partition "$1" "$(partitions_of "$2")")"
}

# leads NODE PREFIX: how many partitions of the PREFIX topics NODE leads.
leads() {
        awk -v n="$1" -v pre="$2" '{
                for (i = 1; i < NF; i++) {
                        if ($i == "Topic:") topic = $(i + 1)
                        if ($i == "Leader:" && index(topic, pre) == 1 && $(i + 1) == n) c++
                }} END {print c + 0}' <<<"$described"
}

# wait_in_sync SECONDS: until no partition of the cluster (internal
# topics too) is under-replicated.
wait_in_sync() {
        local deadline=$((SECONDS + $1)) out
        while :; do
                out=$("$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$bootstrap" \
                        --describe --under-replicated-partitions 2>&1) && [ -z "$out" ] && return 0
                [ "$SECONDS" -lt "$deadline" ] ||
                        fail "partitions still under-replicated after $1 s: $(echo "$out" | head -n 3)"
                sleep 1
        done
}

# alive_and_stop NAME: NAME must still run; then SIGTERM, exit status 0.
alive_and_stop() {
        kill -0 "${eos_pid[$1]}" 2>/dev/null ||
                fail "$1 exited before the end: $(grep -E 'event=(fatal|stopped)' "$work/$1.err" | tail -n 2)"
        eos_stop "$1"
}

# What librdkafka 2.0.2's idempotent producer logs when it loses track of
# its sequence numbers (a broker disconnect or leader change).
idem_errors='OUT_OF_ORDER_SEQUENCE|UNKNOWN_PRODUCER_ID|[Dd]esynchroni'

# count_events: a summary of the log lines on stdin a broker failure may
# cause.
count_events() {
        awk -v re="$idem_errors" '/event=batch_aborted/ {ab++}
                /event=producer_restarted/ {pr++}
                $0 ~ re {seq++}
                /event=txn_error/ {tx++}
                END {printf "%d aborted batches, %d txn_error, %d producer restarts, %d idempotence errors\n",
                        ab, tx, pr, seq}'
}

# scenario NAME HOW SEED: streams a fresh input (gen --seed SEED) to
# fresh topics with two instances, and takes a broker down mid-stream:
# HOW kill: the group coordinator's, with SIGKILL; term: the leader of
# profile-updated partition 1, with SIGTERM.
scenario() {
        local name=$1 how=$2 seed=$3 prefix victim st before n a=${1}a b=${1}b
        local stop_args=() t_down what tid
        prefix="bp-bf-$name-$$."
        st="$work/$name"
        echo "scenario $name: $how a broker"
        kr_topics "$prefix" 6 --replication 3 --min-insync-replicas 2
        kr_topic_opts "$prefix"
        "$BP_BIN" gen --events "$events" --freelancers 1000 --seed "$seed" >"$st.in.jsonl"
        eos_oracle "$st.in.jsonl" "$st.want.jsonl" "$st.want.state"

        "$BP_BIN" produce --brokers "$bootstrap" --input "$st.in.jsonl" --in-order \
                --topic-prefix "$prefix" --schema-map "$schema_map" \
                -X message.timeout.ms=120000 2>"$st.produce.log" &
        gen_pid=$!
        bg_pids+=("$gen_pid")

        # Later settings replace earlier ones (see the top of the file).
        opts=("${kr_opts[@]}" kafka.transaction.timeout.ms=60000
                kafka.session.timeout.ms=15000 kafka.heartbeat.interval.ms=1000
                batch.max.events=100 commit.interval.ms=50)
        eos_start "$a" "$st.a" "${opts[@]}"
        eos_start "$b" "$st.b" "${opts[@]}"
        eos_wait_log "$a" 'event=assigned' 60
        eos_wait_log "$b" 'event=assigned' 60
        eos_wait_offsets "$st.a" "$st.b" 2000 120
        kill -0 "$gen_pid" 2>/dev/null || fail "the generator ended before the broker failure"

        describe
        if [ "$how" = kill ]; then
                stop_args=(--kill)
                victim=$(coordinator_of "${prefix}group" __consumer_offsets)
                what="the group coordinator"
        else
                victim=$(leader_of "${prefix}profile-updated" 1)
                what="the leader of profile-updated partition 1"
        fi
        [ -n "$victim" ] || fail "no leader found for $what"
        for n in "$a" "$b"; do
                tid=$(sed -nE 's/.* transactional_id=([^ ]+) .*/\1/p' "$work/$n.err" | head -n 1)
                [ "$(coordinator_of "$tid" __transaction_state)" != "$victim" ] ||
                        what+=", the transaction coordinator of $n"
        done
        what+=", leader of $(leads "$victim" "$prefix") of the scenario's 42 partitions"
        before=$(eos_offsets_sum "$st.a" "$st.b")
        t_down=$SECONDS
        kr_kafka k3 stop --node "$victim" "${stop_args[@]}"
        echo "  node $victim ($what) stopped ($how) at $before of $events inputs"
        # The instances go on with two brokers: 1500 more inputs.
        eos_wait_offsets "$st.a" "$st.b" $((before + 1500)) 120
        n=$(eos_offsets_sum "$st.a" "$st.b")
        echo "  $n inputs applied $((SECONDS - t_down)) s later, with node $victim down; it starts again"
        kr_kafka k3 start --node "$victim" >/dev/null 2>"$st.restart.log" ||
                fail "node $victim did not start again: $(tail -n 3 "$st.restart.log")"
        wait_in_sync 120
        echo "  node $victim in sync again, $((SECONDS - t_down)) s after it stopped"

        wait "$gen_pid" || fail "the generator failed: $(tail -n 3 "$st.produce.log")"
        eos_wait_offsets "$st.a" "$st.b" "$events" 180
        alive_and_stop "$a"
        alive_and_stop "$b"
        echo "  logged by the instances: $(cat "$work/$a.err" "$work/$b.err" | count_events)"
        echo "  logged by the generator: $(grep -cE "$idem_errors" "$st.produce.log" || true) idempotence errors"

        eos_read "${prefix}badge-events" "$st.got.jsonl" -X isolation.level=read_committed
        eos_judge "$st.got.jsonl" "$st.want.jsonl"
        [ "$eos_dups" -eq 0 ] || fail "$eos_dups duplicates under read_committed"
        eos_same_state "$st.want.state" "$st.a" "$st.b"
}

t0=$SECONDS
scenario kill kill 31
scenario term term 32
echo "ok: real Kafka, 3 nodes, RF 3, min.insync.replicas 2: kill -9 of a broker and a controlled shutdown of a partition leader mid-stream: nothing lost, nothing unexpected, zero duplicates, no instance stopped ($((SECONDS - t0)) s)"
