#!/usr/bin/env bash
# ktest_topic_collision.sh - on a real Kafka cluster, `badgeproc run` with
# a dead-letter topic that is an input (or a changelog that is the
# output) refuses to start: exit status 2 at once, a message naming both
# keys and where each was set, and nothing written to any topic.
#
# The seven topics are created as an operator does and the inputs hold a
# generated history, so a processor that did start would write badge
# events, changelog records and transaction markers (a dead-letter topic
# equal to an input would also read back what it dead-letters, for ever).
# Asserts, for topics.dlq = the profile-updated topic (--set over a
# config file) and topics.changelog = the badge-events topic (in the
# file): exit 2 within 10 s, the exact message, and the high watermark
# of every partition of the seven topics unchanged a few seconds later. The control: the
# same config without the collision publishes badge events, so the
# unchanged watermarks mean something.
. "$(dirname "$0")/kafka_real_lib.sh"
kr_use_shared_cluster

prefix="bp-coll-$$-$(date +%s)."
kr_topics "$prefix" 2
kr_topic_opts "$prefix"
"$BP_BIN" gen --events 400 --freelancers 40 --seed 7 >"$work/in.jsonl"
"$BP_BIN" produce --brokers "$bootstrap" --input "$work/in.jsonl" \
        --topic-prefix "$prefix" --schema-map "$schema_map" \
        2>"$work/produce.log" || fail "produce: $(tail -n 3 "$work/produce.log")"

# The config of a processor that would run, as a file.
conf="$work/bp.conf"
{
        echo "kafka.bootstrap.servers = $bootstrap"
        echo "rules.dir = $eos_rules"
        echo "state.dir = $work/state"
        echo "metrics.listen = off"
        echo "instance.id = coll"
        for kv in "${kr_opts[@]}"; do echo "${kv%%=*} = ${kv#*=}"; done
} >"$conf"
line_of() { grep -n "^$1 = " "$2" | cut -d: -f1; }

# watermarks: "topic:partition:high watermark" of the seven topics, one
# JVM for all of them.
watermarks() {
        "$KAFKA_BIN/kafka-get-offsets.sh" --bootstrap-server "$bootstrap" \
                --topic "${prefix//./\\.}.*" --time latest 2>/dev/null | sort
}
watermarks >"$work/hw.before"
[ "$(wc -l <"$work/hw.before")" -eq 14 ] ||
        fail "expected 7 topics of 2 partitions: $(cat "$work/hw.before")"
[ "$(grep "^${prefix}profile-updated:" "$work/hw.before" | awk -F: '{s += $3} END {print s + 0}')" -gt 0 ] ||
        fail "the history did not reach the input topics"

# refused WANT ARGS...: run ARGS exits 2 within 10 s with stderr
# "badgeproc run: WANT", and no topic has grown a few seconds later.
refused() {
        local want=$1 rc=0 t0=$SECONDS
        shift
        (cd "$BP_SRC" && exec timeout 60 "$BP_BIN" run "$@") >"$work/out" 2>"$work/err" || rc=$?
        [ "$rc" -eq 2 ] || fail "run $* exited $rc, not 2: $(head -c 1000 "$work/err")"
        [ "$((SECONDS - t0))" -le 10 ] || fail "run $* took $((SECONDS - t0)) s to refuse"
        [ "$(cat "$work/err")" = "badgeproc run: $want" ] ||
                fail "run $*: stderr \"$(cat "$work/err")\", expected \"badgeproc run: $want\""
        sleep 3
        watermarks >"$work/hw.after"
        diff "$work/hw.before" "$work/hw.after" >&2 || fail "run $* wrote to a topic"
}

refused "--set topics.dlq: \"${prefix}profile-updated\" is also topics.profile_updated ($conf:$(line_of topics.profile_updated "$conf")): each of the seven topics.* must name a topic of its own" \
        --config "$conf" --set "topics.dlq=${prefix}profile-updated"
echo "  topics.dlq = an input: exit 2, both keys named, no topic written"
sed "s/^topics.changelog = .*/topics.changelog = ${prefix}badge-events/" "$conf" >"$work/bp2.conf"
refused "$work/bp2.conf:$(line_of topics.changelog "$work/bp2.conf"): topics.changelog: \"${prefix}badge-events\" is also topics.badge_events ($work/bp2.conf:$(line_of topics.badge_events "$work/bp2.conf")): each of the seven topics.* must name a topic of its own" \
        --config "$work/bp2.conf"
echo "  topics.changelog = the output: exit 2, both keys named, no topic written"

# The control: the config as it is runs and publishes.
EOS_CONFIG="$conf" eos_start coll "$work/state"
deadline=$((SECONDS + 120))
until [ "$(kr_hw "${prefix}badge-events")" -gt 0 ]; do
        kill -0 "${eos_pid[coll]}" 2>/dev/null || fail "the valid config's run exited"
        [ "$SECONDS" -lt "$deadline" ] || fail "the valid config published nothing in 120 s"
        sleep 0.5
done
eos_stop coll
echo "  control: the same config without the collision publishes $(kr_hw "${prefix}badge-events") badge event records"
echo "PASS: colliding topics refused on a real broker, nothing written"
