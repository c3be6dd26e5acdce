#!/usr/bin/env bash
# test_mock_cluster_kcat.sh - `badgeproc mock-cluster` serves an outside
# Kafka client.
#
# Starts the mock cluster as its own process, reads its bootstrap line,
# checks the topics with kcat's metadata listing, produces framed Avro
# records (and one that is not) with kcat, reads them back byte for byte
# with kcat and decoded with `badgeproc consume --exit-at-end`, then stops
# the cluster with SIGTERM and expects exit status 0 and its port file
# gone. Every wait is bounded; on failure the reason and the cluster's log
# are printed and the cluster is killed.
#
# Needs BP_BIN (the badgeproc binary) and BP_SRC (the source tree, for the
# schema map); ctest sets both.
. "$(dirname "$0")/kafka_lib.sh"

# --- start the cluster and read its bootstrap line
mc_start --brokers 3 --partitions 4 --port-file "$work/port"
[[ $bootstrap =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+){2}$ ]] ||
        fail "bootstrap line \"$bootstrap\" is not three loopback brokers"
[ "$(cat "$work/port")" = "$bootstrap" ] || fail "port file differs from stdout"

# --- the default topics exist with the requested partition count
timeout 20 kcat -L -b "$bootstrap" >"$work/meta" || fail "kcat -L failed"
for t in profile-updated contract-completed invitation-sent partner-decision \
        badge-events badge-dlq badge-state-changelog; do
        grep -q "topic \"$t\" with 4 partitions" "$work/meta" ||
                fail "topic $t missing or not 4 partitions: $(cat "$work/meta")"
done

# --- produce with kcat: one file per record, keyed by freelancer
invitation e1 f1 1700000000000 i1 acme >"$work/f1"
invitation e2 f2 1700000001000 i2 hooli >"$work/f2"
invitation e3 f3 1700000002000 i3 acme >"$work/f3"
printf '{not avro}' >"$work/junk"
for k in f1 f2 f3 junk; do
        timeout 20 kcat -P -b "$bootstrap" -t invitation-sent -k "$k" \
                "$work/$k" || fail "kcat could not produce record $k"
done

# --- kcat reads them back, byte for byte
timeout 20 kcat -C -b "$bootstrap" -t invitation-sent -e -q \
        -f '%k %p %o\n' >"$work/index" || fail "kcat could not consume"
[ "$(wc -l <"$work/index")" -eq 4 ] || fail "kcat read $(cat "$work/index")"
while read -r key part off; do
        timeout 20 kcat -C -b "$bootstrap" -t invitation-sent -p "$part" \
                -o "$off" -c 1 -e -q -f '%s' >"$work/back" ||
                fail "kcat could not read $key at $part/$off"
        cmp -s "$work/back" "$work/$key" || fail "record $key changed on the way"
done <"$work/index"

# --- badgeproc consume decodes them; the junk is shown with its reason
set +e
timeout 30 "$BP_BIN" consume --brokers "$bootstrap" --topic invitation-sent \
        --from-beginning --exit-at-end \
        --schema-map "$schema_map" \
        >"$work/consumed" 2>"$work/consume.err"
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "consume exit status $rc, expected 3 (one record \
undecodable): $(cat "$work/consume.err")"
cat >"$work/expected" <<'EOF'
{"type":"invitation-sent","event_id":"e1","freelancer_id":"f1","occurred_at":1700000000000,"invitation_id":"i1","partner_id":"acme"}
{"type":"invitation-sent","event_id":"e2","freelancer_id":"f2","occurred_at":1700000001000,"invitation_id":"i2","partner_id":"hooli"}
{"type":"invitation-sent","event_id":"e3","freelancer_id":"f3","occurred_at":1700000002000,"invitation_id":"i3","partner_id":"acme"}
EOF
grep -v '"type":"undecodable"' "$work/consumed" | sort >"$work/events"
diff -u "$work/expected" "$work/events" >&2 || fail "decoded events differ"
grep -q '"type":"undecodable".*"error":"bad magic byte 0x7b"' \
        "$work/consumed" || fail "junk record not shown: $(cat "$work/consumed")"

# --- a dead letter (as the runtime writes them) shows its headers
printf '{junk' >"$work/dead"
timeout 20 kcat -P -b "$bootstrap" -t badge-dlq -k f9 \
        -H "dlq.error=bad magic byte 0x7b" -H dlq.topic=profile-updated \
        -H dlq.partition=2 -H dlq.offset=17 -H trace=abc "$work/dead" ||
        fail "kcat could not produce the dead letter"
timeout 30 "$BP_BIN" consume --brokers "$bootstrap" --topic badge-dlq \
        --from-beginning --exit-at-end --schema-map "$schema_map" \
        2>"$work/consume.err" |
        sed -E 's/"partition":[0-9]+,"offset":0,"timestamp":[0-9]+/P/' \
        >"$work/dlq" || fail "consume of badge-dlq failed: $(cat "$work/consume.err")"
cat >"$work/expected" <<'EOF'
{"type":"dead-letter","dlq.error":"bad magic byte 0x7b","dlq.topic":"profile-updated","dlq.partition":2,"dlq.offset":17,"headers":[{"key":"trace","value":"abc"}],"value_base64":"e2p1bms=","kafka":{"topic":"badge-dlq",P,"key":"f9"}}
EOF
diff -u "$work/expected" "$work/dlq" >&2 || fail "dead letter shown wrong"

# --- SIGTERM stops the cluster cleanly, and it removes its port file
mc_stop
[ ! -e "$work/port" ] || fail "port file left behind"

# --- --rtt-ms: a bad value is a usage error; a good one delays every
# response (kcat's metadata listing needs at least two round trips: it
# takes well under 300 ms without the delay)
for bad in abc -1 10001; do
        set +e
        "$BP_BIN" mock-cluster --rtt-ms "$bad" >/dev/null 2>"$work/rtt.err"
        rc=$?
        set -e
        [ "$rc" -eq 2 ] || fail "--rtt-ms $bad: exit status $rc, expected 2"
        grep -q "rtt-ms" "$work/rtt.err" || fail "--rtt-ms $bad: no reason given"
done
mc_start --brokers 1 --partitions 1 --rtt-ms 300
# The start line goes to stderr, the bootstrap line (which mc_start waits
# for) to stdout: on a busy machine the first may come a moment later.
for _ in $(seq 50); do
        grep -q "rtt_ms=" "$work/mc.err" && break
        sleep 0.1
done
grep -q "rtt_ms=300" "$work/mc.err" || fail "start line lacks rtt_ms=300"
t0=$(date +%s%N)
timeout 20 kcat -L -b "$bootstrap" >/dev/null || fail "kcat -L failed (rtt)"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 300 ] || fail "kcat -L took $ms ms with --rtt-ms 300"
mc_stop
echo "ok: mock-cluster served kcat and badgeproc consume, stopped cleanly, \
delayed responses with --rtt-ms ($ms ms for a metadata listing)"
