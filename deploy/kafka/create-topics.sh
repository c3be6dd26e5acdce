#!/usr/bin/env bash
# create-topics.sh - creates badgeproc's seven topics with kafka-topics.sh.
#
# The four input topics and the state changelog must have the same number
# of partitions (the processor refuses to start otherwise): the partition
# count is the most instances that can share the work, so choose it for
# the largest deployment foreseen; it cannot be lowered later, and raising
# it moves freelancers between partitions (plan that as a migration).
# Every topic is replicated 3 times with min.insync.replicas=2, so one
# broker may be down without stopping writes (the producer uses acks=all).
# The inputs and the outputs are kept for a time (retention); the
# changelog is compacted: it keeps the latest state per freelancer, which
# is what a new instance restores from.
#
# usage: create-topics.sh --bootstrap LIST [--partitions N]
#          [--replication N] [--min-insync-replicas N] [--prefix P]
#          [--command-config FILE] [--kafka-bin DIR]
#          [--input-retention-ms MS] [--output-retention-ms MS]
#          [--changelog-config KEY=VALUE]... [--wait SECONDS] [--dry-run]
# --command-config passes client security settings (SASL_SSL) to
# kafka-topics.sh; --wait retries until the cluster answers (for a job
# started with the brokers); --dry-run prints the commands only.
# --min-insync-replicas defaults to 2, or 1 with --replication 1 (a
# one-broker test cluster). A retention of -1 keeps records for ever
# (for replaying old history: the broker deletes by record timestamp,
# and a record whose occurred_at is older than the retention is deleted
# at once). --prefix P names the topics P + the default names (a test's
# own set); --changelog-config adds or overrides a setting of the
# changelog (e.g. segment.ms, to see compaction sooner).
# Topics that exist already are left as they are (--if-not-exists).
set -euo pipefail

bootstrap="" partitions=12 replication=3 min_isr="" prefix="" command_config="" kafka_bin=""
changelog_extra=()
input_retention_ms=$((7 * 24 * 3600 * 1000))   # 7 days: replay window
output_retention_ms=$((30 * 24 * 3600 * 1000)) # 30 days
wait_s=0 dry_run=0

usage() { echo 'usage: create-topics.sh --bootstrap LIST [--partitions N] [--replication N] [--min-insync-replicas N] [--prefix P] [--command-config FILE] [--kafka-bin DIR] [--input-retention-ms MS] [--output-retention-ms MS] [--changelog-config KEY=VALUE]... [--wait SECONDS] [--dry-run]' >&2; exit 2; }
while [ $# -gt 0 ]; do
        case "$1" in
        --bootstrap) bootstrap=$2; shift 2 ;;
        --partitions) partitions=$2; shift 2 ;;
        --replication) replication=$2; shift 2 ;;
        --min-insync-replicas) min_isr=$2; shift 2 ;;
        --prefix) prefix=$2; shift 2 ;;
        --changelog-config) changelog_extra+=("$2"); shift 2 ;;
        --command-config) command_config=$2; shift 2 ;;
        --kafka-bin) kafka_bin=$2/; shift 2 ;;
        --input-retention-ms) input_retention_ms=$2; shift 2 ;;
        --output-retention-ms) output_retention_ms=$2; shift 2 ;;
        --wait) wait_s=$2; shift 2 ;;
        --dry-run) dry_run=1; shift ;;
        *) usage ;;
        esac
done
[ -n "$bootstrap" ] || usage
[ -n "$min_isr" ] || min_isr=$((replication < 2 ? 1 : 2))
for n in "$partitions" "$replication" "$min_isr" "$wait_s"; do
        [[ "$n" =~ ^[0-9]+$ ]] || { echo "create-topics: not a number: $n" >&2; exit 2; }
done
for n in "$input_retention_ms" "$output_retention_ms"; do
        [[ "$n" =~ ^(-1|[0-9]+)$ ]] || { echo "create-topics: not a retention (ms or -1): $n" >&2; exit 2; }
done
[ "$min_isr" -le "$replication" ] ||
        { echo "create-topics: --min-insync-replicas $min_isr is more than --replication $replication: no write could succeed" >&2; exit 2; }
for c in "${changelog_extra[@]}"; do
        [[ "$c" =~ ^[a-z.]+=[^[:space:]]+$ ]] || { echo "create-topics: not KEY=VALUE: $c" >&2; exit 2; }
done

topics_cmd=("${kafka_bin}kafka-topics.sh" --bootstrap-server "$bootstrap")
[ -z "$command_config" ] || topics_cmd+=(--command-config "$command_config")

run() {
        if [ "$dry_run" -eq 1 ]; then
                printf '%q ' "$@"
                echo
        else
                "$@"
        fi
}

# create NAME CONFIG...: one topic with the common settings.
create() {
        local name=$1 config=() c
        shift
        for c in min.insync.replicas="$min_isr" "$@"; do config+=(--config "$c"); done
        run "${topics_cmd[@]}" --create --if-not-exists --topic "$prefix$name" \
                --partitions "$partitions" --replication-factor "$replication" \
                "${config[@]}"
}

if [ "$dry_run" -eq 0 ] && [ "$wait_s" -gt 0 ]; then
        deadline=$((SECONDS + wait_s))
        until "${topics_cmd[@]}" --list >/dev/null 2>&1; do
                [ $SECONDS -lt $deadline ] || { echo "create-topics: cluster not reachable" >&2; exit 1; }
                sleep 2
        done
fi

for t in profile-updated contract-completed invitation-sent partner-decision; do
        create "$t" cleanup.policy=delete retention.ms="$input_retention_ms"
done
create badge-events cleanup.policy=delete retention.ms="$output_retention_ms"
create badge-dlq cleanup.policy=delete retention.ms="$output_retention_ms"
# Compacted; segments roll hourly so that compaction has closed segments
# to work on, and deleted keys (none today) would go after a day.
create badge-state-changelog cleanup.policy=compact segment.ms=3600000 \
        min.compaction.lag.ms=0 delete.retention.ms=86400000 "${changelog_extra[@]}"
