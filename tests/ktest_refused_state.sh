#!/usr/bin/env bash
# ktest_refused_state.sh - a freelancer whose state outgrows the changelog
# topic's max.message.bytes, on a real broker: the record that pushed it
# over is dead-lettered, everything else is processed, and /readyz shows
# the stall while it lasts.
#
# The changelog is created with max.message.bytes=4000. Among 3,000
# generated events of 300 freelancers, freelancer fbig gets a profile, 20
# contracts of 5 skills each (its state stays under 4,000 bytes) and
# then one contract with 120 long skill names, which makes its state
# ~8 KB: the broker refuses that state record every time
# (MSG_SIZE_TOO_LARGE). The runner must abort, isolate, and dead-letter
# exactly that event (dlq.error the broker's, dlq.output the changelog,
# dlq.attempts 6); the badge events and the stored states must equal the
# replay of the input without it, so nothing else of its partition (or
# any other) is lost or repeated; /readyz must answer 503 "stalled: ..."
# while the partition waits and 200 afterwards, and the metrics must
# count the poison record and the stalled partition, then 0 stalled.
#
# librdkafka packs a partition's records into batches of up to
# batch.size, and the broker applies max.message.bytes to a batch:
# kafka.batch.size=3500 keeps normal batches of small states under the
# limit (docs/operating.md, Poison records).
. "$(dirname "$0")/kafka_real_lib.sh"
kr_use_shared_cluster

prefix="bp-refused-$$-$(date +%s)."
changelog="${prefix}badge-state-changelog"
kr_topics "$prefix" 3 --changelog-config max.message.bytes=4000
kr_topic_opts "$prefix"

# --- the input: generated events, and fbig's among them, by time
"$BP_BIN" gen --events 3000 --freelancers 300 --seed 7 >"$work/gen.jsonl"
t0=$(head -n 1 "$work/gen.jsonl" | jq '.occurred_at')
t1=$(tail -n 1 "$work/gen.jsonl" | jq '.occurred_at')
step=$(((t1 - t0) / 40))
{
        jq -cn --argjson t $((t0 + 1)) '{type: "profile-updated",
                event_id: "fbig-p", freelancer_id: "fbig", occurred_at: $t,
                profile_version: 1, account_status: "ACTIVE",
                profile_completeness: 95, visibility: "PUBLIC",
                english_level: "FLUENT", job_success_score: 95,
                origin: "NATIVE", signup_partner_id: null, certifications: []}'
        for i in $(seq 1 20); do
                jq -cn --argjson t $((t0 + i * step)) --arg i "$i" '{
                        type: "contract-completed", event_id: "fbig-c\($i)",
                        freelancer_id: "fbig", occurred_at: $t,
                        contract_id: "fbig-contract-\($i)",
                        skills: [range(5) | "skill-\($i)-\(.)"],
                        feedback_score: 4.8}'
        done
        jq -cn --argjson t $((t0 + 25 * step)) '{type: "contract-completed",
                event_id: "fbig-huge", freelancer_id: "fbig", occurred_at: $t,
                contract_id: "fbig-contract-huge",
                skills: [range(120) | "a-rather-long-skill-name-number-\(.)"],
                feedback_score: 4.9}'
} >"$work/fbig.jsonl"
jq -cs 'sort_by(.occurred_at)[]' "$work/gen.jsonl" "$work/fbig.jsonl" >"$work/in.jsonl"
events=$(wc -l <"$work/in.jsonl")
grep -v '"event_id":"fbig-huge"' "$work/in.jsonl" >"$work/kept.jsonl"
eos_oracle "$work/kept.jsonl" "$work/want.jsonl" "$work/want.state"
timeout 120 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/in.jsonl" --in-order \
        --topic-prefix "$prefix" --schema-map "$schema_map" 2>"$work/produce.log" ||
        fail "produce failed: $(tail -n 3 "$work/produce.log")"
echo "  produced $events events; fbig's last one makes its state ~8 KB"

# --- the runner, watched through /readyz and /metrics
eos_start a "$work/a" "${kr_opts[@]}" metrics.listen=127.0.0.1:0 \
        partition.stall.timeout.ms=1000 kafka.batch.size=3500 \
        batch.max.events=200 stats.interval.ms=500
eos_wait_log a "event=metrics_listen" 30
port=$(grep -m1 'event=metrics_listen' "$work/a.err" | sed -E 's/.* port=([0-9]+).*/\1/')
(
        # Bounded: 60 s at most, or until the runner is gone.
        for _ in $(seq 1 1200); do
                kill -0 "${eos_pid[a]}" 2>/dev/null || break
                code=$(curl -s -m 2 -o "$work/ready.body" -w '%{http_code}' \
                        "http://127.0.0.1:$port/readyz" || true)
                gauge=$(curl -s -m 2 "http://127.0.0.1:$port/metrics" |
                        awk '$1 == "badgeproc_partitions_stalled" {print $2}')
                echo "$code ${gauge:-none} $(head -c 300 "$work/ready.body" 2>/dev/null)"
                sleep 0.05
        done >"$work/probe.log"
) &
probe_pid=$!
bg_pids+=("$probe_pid")
eos_wait_log a "event=poison_dead_lettered" 120
eos_wait_offsets "$work/a" "$events" 120
# Ready again once the partition commits (the probe's last lines).
deadline=$((SECONDS + 30))
until [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "/readyz not 200 within 30 s of the dead letter"
        sleep 0.1
done
curl -s -m 5 "http://127.0.0.1:$port/metrics" >"$work/metrics.txt" || fail "cannot read /metrics"
eos_stop a
kill "$probe_pid" 2>/dev/null || true
wait "$probe_pid" 2>/dev/null || true

# --- the dead letter: exactly fbig's last event, saying why
eos_read "${prefix}badge-dlq" "$work/dlq.jsonl"
[ "$(wc -l <"$work/dlq.jsonl")" -eq 1 ] ||
        fail "badge-dlq holds $(wc -l <"$work/dlq.jsonl") records, expected 1: $(cut -c1-300 "$work/dlq.jsonl")"
jq -e --arg out "$changelog" '.type == "dead-letter" and
        .["dlq.error"] == "Broker: Message size too large" and
        .kafka.key == "fbig" and
        ([.headers[] | select(.key == "dlq.output") | .value] == [$out]) and
        ([.headers[] | select(.key == "dlq.attempts") | .value] == ["6"])' \
        "$work/dlq.jsonl" >/dev/null || fail "the dead letter is wrong: $(cut -c1-600 "$work/dlq.jsonl")"
read -r dtopic dpart doff < <(jq -r '"\(.["dlq.topic"]) \(.["dlq.partition"]) \(.["dlq.offset"])"' "$work/dlq.jsonl")
eos_read "$dtopic" "$work/input.jsonl" --with-kafka
id=$(jq -r --argjson p "$dpart" --argjson o "$doff" \
        'select(.kafka.partition == $p and .kafka.offset == $o) | .event_id' "$work/input.jsonl")
[ "$id" = fbig-huge ] || fail "the dead letter is $dtopic [$dpart] $doff, event '$id', not fbig-huge"
echo "  dead-lettered: $dtopic [$dpart] at $doff = fbig-huge," \
        "$(grep -c 'event=batch_aborted' "$work/a.err") batches aborted," \
        "$(grep -m1 'event=poison_dead_lettered' "$work/a.err" | sed -E 's/.*(attempts=[0-9]+).*/\1/')"

# The policy's steps, as the log tells them, with their times.
grep -E 'event=(batch_aborted|poison_[a-z_]+|partitions_[a-z]+|txn_error) ' "$work/a.err" |
        sed -E 's/^ts=[0-9-]+T([0-9:.]+)Z level=[a-z]+ event=([a-z_]+).*/    \1 \2/' | uniq -c -f1 |
        head -n 30

# --- everything else processed, exactly as the replay without it
eos_read "${prefix}badge-events" "$work/got.jsonl"
eos_judge "$work/got.jsonl" "$work/want.jsonl"
[ "$eos_dups" -eq 0 ] || fail "$eos_dups badge events published twice (read_committed)"
eos_same_state "$work/want.state" "$work/a"

# --- what the probes saw: stalled, counted, then ready again
grep -q '^503 [0-9.]* stalled: ' "$work/probe.log" ||
        fail "/readyz never said stalled: $(sort "$work/probe.log" | uniq -c | head -n 5)"
stalled_max=$(awk '$2 != "none" && $2 > m {m = $2} END {print m + 0}' "$work/probe.log")
[ "$stalled_max" -ge 1 ] || fail "badgeproc_partitions_stalled never moved"
awk '/^503 .*stalled: /{s = 1} s && /^200 /{ok = 1} END {exit !ok}' "$work/probe.log" ||
        fail "/readyz did not come back to 200 after the stall"
poison=$(awk '$1 ~ /^badgeproc_poison_records_total/ {s += $2} END {print s + 0}' "$work/metrics.txt")
stalled_now=$(awk '$1 == "badgeproc_partitions_stalled" {print $2}' "$work/metrics.txt")
[ "$poison" = 1 ] || fail "badgeproc_poison_records_total is $poison, expected 1"
[ "$stalled_now" = 0 ] || fail "badgeproc_partitions_stalled is $stalled_now after the stall"
echo "  /readyz: $(grep -c '^503 ' "$work/probe.log") probes 503" \
        "(\"$(grep -m1 '^503 [0-9.]* stalled: ' "$work/probe.log" | cut -d' ' -f3- | cut -c1-160)\")," \
        "$(grep -c '^200 ' "$work/probe.log") probes 200; stalled gauge up to $stalled_max, then 0"
echo "ok: real Kafka: the state record the changelog refused was dead-lettered with its event; the rest processed as the replay says"
