#!/usr/bin/env bash
# itest_poison.sh - garbage on every input topic: each bad record goes to
# badge-dlq once, with what it came with; everything valid is processed;
# the runner stays up and its memory stays bounded.
#
# Between two halves of 2,000 generated events, kcat produces to each of
# the four input topics one record of each kind of garbage: a wrong magic
# byte, an unknown schema id, a truncated body, a string claiming 2^40
# bytes (avro-c would try to allocate them), a value out of range (an
# enum index, a union branch, a negative length, by topic), and a valid
# event keyed by another freelancer. Each carries the headers
# poison=<kind>.<topic> and trace=<n>. Checked, for each: exactly one
# dead letter, with the original key, value (byte for byte) and headers,
# and dlq.topic, dlq.partition and dlq.offset naming where kcat put it;
# the badge events equal the replay of the 2,000 valid events.
#
# Then two bursts of 10,000 garbage records each: the runner must
# dead-letter them all and stay up, and the second burst (the first one
# has warmed up every buffer) may not grow its resident set by more than
# 16 MiB.
. "$(dirname "$0")/itest_lib.sh"

inputs="profile-updated contract-completed invitation-sent partner-decision"
valid=2000
burst=2500 # per topic
mc_start --brokers 3 --partitions 3
# The merge applies a partition's records in timestamp order across the
# inputs, but in offset order within one input: a record stamped later
# than the records after it holds them back. kcat stamps the garbage with
# the time it sends it, so the valid events must be older (first half)
# and newer (second half) than that, or the runner's order would differ
# from the replay's file order. The generator's events depend on its
# start time only through their timestamps.
now=$(($(date +%s) * 1000))
"$BP_BIN" gen --events "$valid" --freelancers 200 --start-ms $((now - 7200000)) >"$work/early"
"$BP_BIN" gen --events "$valid" --freelancers 200 --start-ms $((now + 3600000)) >"$work/late"
head -n $((valid / 2)) "$work/early" >"$work/half1"
tail -n +$((valid / 2 + 1)) "$work/late" >"$work/half2"
cat "$work/half1" "$work/half2" >"$work/events.jsonl"

# bad KIND TOPIC: one bad record of KIND for TOPIC on stdout. Timestamps
# are small so that no record holds a newline byte (the bursts are
# newline-delimited).
bad() {
        local id
        case $2 in
        profile-updated) id=1 ;; contract-completed) id=2 ;;
        invitation-sent) id=3 ;; partner-decision) id=4 ;;
        esac
        case $1 in
        magic) printf '\x01'; good "$2" | tail -c +2 ;;
        schema) printf '\x00\x00\x00\x03\xe7'; good "$2" | tail -c +6 ;;
        truncated) good "$2" | head -c -2 ;;
        huge) printf "$(frame "$id")$(avro_long 1099511627776)x" ;;
        range) case $2 in
                profile-updated) profile p1 px 1 1 7 100 0 3 90 ;; # account_status 7
                contract-completed) contract p2 px 1 c1 s 7 ;;     # union branch 7
                invitation-sent) printf "$(frame 3)$(avro_long -5)abc" ;;
                partner-decision) decision p4 px 1 acme 9 0 ;;     # decision 9
                esac ;;
        key) good "$2" ;; # valid, but sent under another key
        esac
}
# good TOPIC: a valid record of freelancer px for TOPIC.
good() {
        case $1 in
        profile-updated) profile p1 px 1 1 0 100 0 3 90 ;;
        contract-completed) contract p2 px 1 c1 s 0 ;;
        invitation-sent) invitation p3 px 1 i1 acme ;;
        partner-decision) decision p4 px 1 acme 0 0 ;;
        esac
}

# --- valid, garbage, valid
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/half1" \
        --schema-map "$schema_map" 2>"$work/produce.err" || fail "produce failed"
mkdir "$work/bad"
n=0
for t in $inputs; do
        for kind in magic schema truncated huge range key; do
                n=$((n + 1))
                bad "$kind" "$t" >"$work/bad/$kind.$t"
                key=px
                [ "$kind" != key ] || key=someone-else
                timeout 20 kcat -P -b "$bootstrap" -t "$t" -k "$key" \
                        -H "poison=$kind.$t" -H "trace=$n" "$work/bad/$kind.$t" ||
                        fail "kcat could not produce $kind.$t"
        done
done
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/half2" \
        --schema-map "$schema_map" 2>"$work/produce.err" || fail "produce failed"
echo "  produced $valid valid events and $n bad records"

# A small AddressSanitizer quarantine (ignored by other builds), so that
# freed memory is not held for 256 MiB before it is reused: the bursts
# below measure the runner's own growth.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
run_start run
run_wait applied "$valid" 60
run_wait dead_lettered "$n" 30

# --- bursts of garbage: the runner keeps up and its memory levels off
for kind in magic schema huge range truncated; do
        for t in $inputs; do
                bad "$kind" "$t" >"$work/one"
                [ "$(tr -cd '\n' <"$work/one" | wc -c)" -eq 0 ] ||
                        fail "$kind.$t holds a newline: cannot be in a burst"
                { cat "$work/one"; echo; } >"$work/many"
                while [ "$(wc -l <"$work/many")" -lt $((burst / 5)) ]; do
                        cat "$work/many" "$work/many" >"$work/more"
                        mv "$work/more" "$work/many"
                done
                head -n $((burst / 5)) "$work/many" >>"$work/burst.$t"
        done
done
rss0=$(run_rss)
dead=$n
for round in 1 2; do
        for t in $inputs; do
                timeout 60 kcat -P -b "$bootstrap" -t "$t" -k px -D '\n' \
                        <"$work/burst.$t" || fail "kcat could not produce the burst"
        done
        dead=$((dead + 4 * burst))
        run_wait dead_lettered "$dead" 60
        eval "rss$round=\$(run_rss)"
done
kill -0 "$run_pid" 2>/dev/null || fail "the runner died"
echo "  VmRSS: ${rss0} KiB before, ${rss1} KiB after $((4 * burst)) bad records," \
        "${rss2} KiB after $((4 * burst)) more"
[ $((rss2 - rss1)) -lt 16384 ] ||
        fail "the second burst grew the resident set by $((rss2 - rss1)) KiB"
run_stop
[ "$(run_count applied)" -eq "$valid" ] || fail "applied $(run_count applied) of $valid"
[ "$(run_count dead_lettered)" -eq "$dead" ] || fail "dead-lettered $(run_count dead_lettered) of $dead"
# --- each bad record: one dead letter, as it came, saying where from
# (read once the runner has stopped: its last batch is committed)
read_topic badge-dlq "$work/dlq.jsonl"
[ "$(wc -l <"$work/dlq.jsonl")" -eq "$dead" ] ||
        fail "badge-dlq holds $(wc -l <"$work/dlq.jsonl") records for $dead bad ones"
for t in $inputs; do
        timeout 20 kcat -C -b "$bootstrap" -t "$t" -e -q -f '%p %o %k %h\n' |
                sed -nE 's/^([0-9]+) ([0-9]+) ([^ ]*) poison=([^,]+),.*/\4 \1 \2 \3/p'
done >"$work/placed"
[ "$(wc -l <"$work/placed")" -eq "$n" ] || fail "kcat found $(wc -l <"$work/placed") bad records"
jq -c 'select(.headers)' "$work/dlq.jsonl" >"$work/dlq.headed" # not the bursts
while read -r id part off key; do
        topic=${id#*.}
        jq -c --arg id "$id" 'select(any(.headers[]; .key == "poison" and .value == $id))' \
                "$work/dlq.headed" >"$work/match"
        [ "$(wc -l <"$work/match")" -eq 1 ] ||
                fail "$id: $(wc -l <"$work/match") dead letters, expected 1"
        jq -e --arg topic "$topic" --argjson part "$part" --argjson off "$off" \
                --arg key "$key" --arg value "$(base64 -w0 "$work/bad/$id")" '
                .["dlq.topic"] == $topic and .["dlq.partition"] == $part and
                .["dlq.offset"] == $off and .kafka.key == $key and
                .value_base64 == $value and (.["dlq.error"] | length) > 0 and
                ([.headers[].key] == ["poison", "trace"])' "$work/match" >/dev/null ||
                fail "$id ($part/$off) dead-lettered wrong: $(cat "$work/match")"
        printf '  ok: %-30s -> %s\n' "$id" "$(jq -r '.["dlq.error"]' "$work/match")"
done <"$work/placed"
[ "$(grep -c '"dlq.error":"record key is not' "$work/dlq.jsonl")" -eq 4 ] ||
        fail "the four records under another key were not dead-lettered for their key"

# --- every valid event processed
read_topic badge-events "$work/out.jsonl"
replay_of "$run_rules" "$work/events.jsonl" "$work/replay.jsonl"
same_events "$work/out.jsonl" "$work/replay.jsonl"

mc_stop
echo "ok: $dead bad records dead-lettered once each, $valid valid ones processed"
