#!/usr/bin/env bash
# acls.sh - the Kafka ACLs badgeproc needs, and nothing more, for one
# principal (default User:badgeproc), with kafka-acls.sh.
#
#   read      the four input topics, and the state changelog (restore)
#   write     badge-events, badge-dlq, badge-state-changelog
#   group     its consumer group (join, commit offsets in transactions)
#   txn       transactional ids starting with "<group>-" (one per
#             instance: "<group>-<instance.id>")
#   cluster   IdempotentWrite (brokers before 3.0 ask for it)
#
# usage: acls.sh --bootstrap LIST [--principal User:NAME] [--group ID]
#          [--prefix P] [--command-config FILE] [--kafka-bin DIR] [--dry-run]
# Topic names are the defaults of the configuration, or P + the defaults
# with --prefix P (as create-topics.sh --prefix names them); change them
# here if topics.* are set otherwise. The transactional ids stay
# "<group>-" whatever the prefix.
set -euo pipefail

bootstrap="" principal="User:badgeproc" group="badgeproc"
prefix="" command_config="" kafka_bin="" dry_run=0

usage() { echo 'usage: acls.sh --bootstrap LIST [--principal User:NAME] [--group ID] [--prefix P] [--command-config FILE] [--kafka-bin DIR] [--dry-run]' >&2; exit 2; }
while [ $# -gt 0 ]; do
        case "$1" in
        --bootstrap) bootstrap=$2; shift 2 ;;
        --principal) principal=$2; shift 2 ;;
        --group) group=$2; shift 2 ;;
        --prefix) prefix=$2; shift 2 ;;
        --command-config) command_config=$2; shift 2 ;;
        --kafka-bin) kafka_bin=$2/; shift 2 ;;
        --dry-run) dry_run=1; shift ;;
        *) usage ;;
        esac
done
[ -n "$bootstrap" ] || usage

acl_cmd=("${kafka_bin}kafka-acls.sh" --bootstrap-server "$bootstrap")
[ -z "$command_config" ] || acl_cmd+=(--command-config "$command_config")

add() {
        local cmd=("${acl_cmd[@]}" --add --allow-principal "$principal" "$@")
        if [ "$dry_run" -eq 1 ]; then
                printf '%q ' "${cmd[@]}"
                echo
        else
                "${cmd[@]}"
        fi
}

for t in profile-updated contract-completed invitation-sent partner-decision; do
        add --operation Read --operation Describe --topic "$prefix$t"
done
add --operation Read --operation Describe --operation Write \
        --topic "${prefix}badge-state-changelog"
for t in badge-events badge-dlq; do
        add --operation Write --operation Describe --topic "$prefix$t"
done
add --operation Read --operation Describe --group "$group"
add --operation Write --operation Describe \
        --transactional-id "$group-" --resource-pattern-type prefixed
add --operation IdempotentWrite --cluster
