# kafka_real_lib.sh - shell helpers of the tests on a real Apache Kafka
# cluster (ctest label `kafka`; sourced, not run), on top of eos_lib.sh.
#
# The cluster is the one KAFKA_BROKERS names: scripts/test.sh starts a
# one-node cluster with scripts/kafka.sh and sets it, with KAFKA_BIN the
# folder of its kafka-*.sh tools; a user may point both at a cluster of
# their own. Without them a test says why and exits 77 (ctest: skipped),
# except under CI=true, where a missing broker is a failure. Tests that
# need a cluster of another shape (three nodes, SASL_SSL) start their own
# with kr_cluster_start, in $work, stopped by the exit trap.
#
# kr_topics PREFIX PARTITIONS [create-topics.sh options...]
#                 creates the seven topics named PREFIX + the defaults
#                 with deploy/kafka/create-topics.sh, as an operator does
#                 (changelog compacted), inputs and outputs kept for ever
#                 (the tests' events are months old), replication 1 unless
#                 options say otherwise;
# kr_topic_opts PREFIX
#                 sets the array kr_opts to the badgeproc settings naming
#                 those topics, the group PREFIXgroup and a transaction
#                 timeout of 10 s (a killed instance that never comes back
#                 holds read_committed readers for that long);
# kr_cluster_start NAME ARGS...
#                 scripts/kafka.sh start --dir $work/NAME ARGS; sets
#                 $bootstrap and KAFKA_BIN to that cluster's;
# kr_kafka NAME ARGS...
#                 scripts/kafka.sh ARGS --dir $work/NAME (stop a node, ...);
# kr_history EVENTS FREELANCERS SEED
#                 the test's history: `badgeproc gen` into $work/in.jsonl,
#                 and its replay (the oracle) into $work/want.jsonl (badge
#                 events) and $work/want.state (states);
# kr_generate FILE PREFIX LINES PAUSE
#                 the generator, in the background (pid in $gen_pid, log
#                 in $work/produce.log): FILE's events produced with
#                 `badgeproc produce --in-order` to the PREFIX topics,
#                 LINES at a time with PAUSE seconds between, so that a
#                 test's kills and rebalances land while it produces;
#                 exits non-zero if any part failed;
# kr_hw TOPIC     the sum of TOPIC's partitions' high watermarks.
. "$(dirname "${BASH_SOURCE[0]}")/eos_lib.sh"

kr_skip() {
        if [ "${CI:-}" = true ]; then
                echo "FAIL: $* (in CI a real-Kafka test never skips)" >&2
                exit 1
        fi
        echo "SKIP: $*"
        exit 77
}

kr_clusters=()
kr_cleanup() {
        local d
        for d in "${kr_clusters[@]}"; do
                "$BP_SRC/scripts/kafka.sh" stop --kill --dir "$d" >/dev/null 2>&1 || true
        done
        cleanup
}
trap kr_cleanup EXIT

kr_cluster_start() {
        local name=$1
        shift
        kr_clusters+=("$work/$name")
        bootstrap=$("$BP_SRC/scripts/kafka.sh" start --dir "$work/$name" "$@" 2>"$work/$name.start.log") ||
                fail "cannot start the Kafka cluster $name: $(tail -n 5 "$work/$name.start.log")"
        KAFKA_BIN="$work/$name/bin"
}

kr_kafka() {
        local name=$1
        shift
        "$BP_SRC/scripts/kafka.sh" "$@" --dir "$work/$name"
}

# Every test needs the cluster's tools, whichever cluster it runs on.
command -v java >/dev/null || kr_skip "java not found (scripts/deps.sh installs it)"

kr_use_shared_cluster() {
        [ -n "${KAFKA_BROKERS:-}" ] ||
                kr_skip "KAFKA_BROKERS is not set (scripts/test.sh starts a broker; or name your own cluster)"
        [ -x "${KAFKA_BIN:-}/kafka-topics.sh" ] ||
                kr_skip "KAFKA_BIN does not name a folder with kafka-topics.sh (scripts/kafka.sh bin prints it)"
        bootstrap=$KAFKA_BROKERS
}

kr_topics() {
        local prefix=$1 partitions=$2
        shift 2
        "$BP_SRC/deploy/kafka/create-topics.sh" --bootstrap "$bootstrap" \
                --kafka-bin "$KAFKA_BIN" --prefix "$prefix" \
                --partitions "$partitions" --replication 1 \
                --input-retention-ms -1 --output-retention-ms -1 "$@" \
                >"$work/topics.log" 2>&1 ||
                fail "cannot create the topics: $(grep -v WARNING "$work/topics.log" | tail -n 5)"
}

kr_topic_opts() {
        local prefix=$1 t
        kr_opts=("kafka.group.id=${prefix}group" kafka.transaction.timeout.ms=10000)
        for t in profile_updated contract_completed invitation_sent partner_decision; do
                kr_opts+=("topics.$t=$prefix${t//_/-}")
        done
        kr_opts+=("topics.badge_events=${prefix}badge-events" "topics.dlq=${prefix}badge-dlq"
                "topics.changelog=${prefix}badge-state-changelog")
}

kr_hw() {
        "$KAFKA_BIN/kafka-get-offsets.sh" --bootstrap-server "$bootstrap" \
                --topic "$1" --time latest 2>/dev/null |
                awk -F: '{s += $NF} END {print s + 0}'
}

kr_generate() {
        local file=$1 prefix=$2 lines=$3 pause=$4
        mkdir -p "$work/gen"
        split -l "$lines" -d -a 4 "$file" "$work/gen/part."
        (
                for part in "$work"/gen/part.*; do
                        "$BP_BIN" produce --brokers "$bootstrap" --input "$part" --in-order \
                                --topic-prefix "$prefix" --schema-map "$schema_map" \
                                2>>"$work/produce.log" || exit 1
                        sleep "$pause"
                done
        ) &
        gen_pid=$!
        bg_pids+=("$gen_pid")
}

kr_history() {
        "$BP_BIN" gen --events "$1" --freelancers "$2" --seed "$3" >"$work/in.jsonl"
        eos_oracle "$work/in.jsonl" "$work/want.jsonl" "$work/want.state"
}
