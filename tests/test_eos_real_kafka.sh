#!/usr/bin/env bash
# test_eos_real_kafka.sh - exactly-once against a real Kafka cluster, where
# read_committed is enforced: zero duplicates, not just exact ones.
#
# Opt-in: runs when KAFKA_BROKERS names a cluster (e.g. the compose file's)
# and kafka-topics.sh (or $KAFKA_TOPICS) can create topics; otherwise it
# says why and exits 77, which ctest reports as skipped. Topics get a fresh
# prefix per run, 6 partitions each, the changelog compacted. Two instances
# in one group, cooperative; one is killed with SIGKILL mid-way and a new
# one with an empty store takes its place. Asserts, reading badge-events
# with isolation.level=read_committed: every replay event, none unexpected,
# no event twice; the stores' state equals the replay's.
set -euo pipefail
if [ -z "${KAFKA_BROKERS:-}" ]; then
        echo "SKIP: KAFKA_BROKERS is not set (a real Kafka cluster is opt-in)"
        exit 77
fi
topics_cmd=${KAFKA_TOPICS:-$(command -v kafka-topics.sh || true)}
if [ -z "$topics_cmd" ]; then
        echo "SKIP: kafka-topics.sh not found (set KAFKA_TOPICS) to create the test topics"
        exit 77
fi
. "$(dirname "$0")/eos_lib.sh"
bootstrap=$KAFKA_BROKERS
prefix="bp-eos-$$-$(date +%s)."
names=(profile-updated contract-completed invitation-sent partner-decision
        badge-events badge-dlq badge-state-changelog)
for t in "${names[@]}"; do
        extra=()
        [ "$t" = badge-state-changelog ] && extra=(--config cleanup.policy=compact)
        "$topics_cmd" --bootstrap-server "$bootstrap" --create --topic "$prefix$t" \
                --partitions 6 --replication-factor "${KAFKA_RF:-1}" "${extra[@]}" \
                >/dev/null || fail "cannot create $prefix$t"
done

events=30000
"$BP_BIN" gen --events $events --freelancers 3000 --seed 21 >"$work/in.jsonl"
timeout 120 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/in.jsonl" \
        --topic-prefix "$prefix" --schema-map "$schema_map" 2>"$work/produce.log" ||
        fail "produce: $(cat "$work/produce.log")"
eos_oracle "$work/in.jsonl" "$work/want.jsonl" "$work/want.state"

opts=("kafka.group.id=${prefix}group" batch.max.events=100 commit.interval.ms=50)
for t in profile_updated contract_completed invitation_sent partner_decision; do
        opts+=("topics.$t=$prefix${t//_/-}")
done
opts+=("topics.badge_events=${prefix}badge-events" "topics.dlq=${prefix}badge-dlq"
        "topics.changelog=${prefix}badge-state-changelog")
eos_start a "$work/a" "${opts[@]}"
eos_start b "$work/b" "${opts[@]}"
eos_wait_offsets "$work/b" 2000 120
eos_kill b
eos_start c "$work/c" "${opts[@]}"
eos_wait_offsets "$work/a" "$work/c" $events 300
eos_stop a
eos_stop c

eos_read "${prefix}badge-events" "$work/got.jsonl" -X isolation.level=read_committed
eos_judge "$work/got.jsonl" "$work/want.jsonl"
[ "$eos_dups" -eq 0 ] || fail "$eos_dups duplicates under read_committed"
eos_same_state "$work/want.state" "$work/a" "$work/b" "$work/c"
echo "ok: real Kafka: kill -9 and a fresh instance, zero duplicates under read_committed"
