# state_limit_lib.sh - the history and the checks of the bounded-state
# tests (itest_state_limit.sh on the mock cluster, ktest_state_limit.sh on
# a real broker); sourced, not run, after the test's own library.
#
# The history: a generated one (early), then one freelancer, f-hoarder,
# completing $sl_contracts contracts with distinct ids (20 more than a
# state keeps, BP_FL_MAX_CONTRACTS in rules/bp_state.h), then given a
# profile, invited and selected by acme (which grants its badge), then
# another generated one (late), each part later than the one before (the
# runner merges a partition's inputs by timestamp, the replay reads the
# file in order). Unbounded, enough such contracts grow a state past
# what the changelog topic takes, and the partition stalls: now the 20
# contracts past the limit are refused and everything else goes on.
#
# sl_history FILE   writes that history to FILE;
# sl_replay FILE OUT
#                   the oracle: `badgeproc replay` of FILE into OUT; it
#                   must exit 3 (rejections) and report the 20 refused
#                   contracts, and nothing else;
# sl_check_dlq FILE [PREFIX]
#                   FILE (the dead-letter topic, as `consume` prints it)
#                   holds exactly the 20 contracts of f-hoarder past the
#                   limit, each with dlq.error saying so, from the
#                   PREFIXcontract-completed topic, at 20 distinct offsets.

sl_limit=32768
sl_contracts=$((sl_limit + 20))

sl_history() {
        local file=$1 last
        "$BP_BIN" gen --events 1500 --freelancers 150 --seed 5 >"$work/sl.early"
        last=$(tail -n 1 "$work/sl.early" | jq .occurred_at)
        # One contract a millisecond, each on one skill, with feedback.
        local t0=$((last + 1000)) i t
        for ((i = 0; i < sl_contracts; i++)); do
                printf '{"type":"contract-completed","event_id":"h-c%d","freelancer_id":"f-hoarder","occurred_at":%d,"contract_id":"h-%d","skills":["acme-crm"],"feedback_score":4.9}\n' \
                        "$i" $((t0 + i)) "$i"
        done >"$work/sl.hoarder"
        t=$((t0 + sl_contracts + 1000))
        printf '{"type":"profile-updated","event_id":"h-p","freelancer_id":"f-hoarder","occurred_at":%d,"profile_version":1,"account_status":"ACTIVE","profile_completeness":100,"visibility":"PUBLIC","english_level":"FLUENT","job_success_score":95,"origin":"NATIVE","signup_partner_id":null,"certifications":[{"certification_id":"acme-certified","expires_at":null}]}\n' \
                $((t - 500)) >>"$work/sl.hoarder"
        printf '{"type":"invitation-sent","event_id":"h-i","freelancer_id":"f-hoarder","occurred_at":%d,"invitation_id":"h-inv","partner_id":"acme"}\n' \
                "$t" >>"$work/sl.hoarder"
        printf '{"type":"partner-decision","event_id":"h-d","freelancer_id":"f-hoarder","occurred_at":%d,"partner_id":"acme","decision":"SELECTED","decided_by":"PARTNER","reason":null}\n' \
                $((t + 1000)) >>"$work/sl.hoarder"
        "$BP_BIN" gen --events 1500 --freelancers 150 --seed 6 \
                --start-ms $((t + 60000)) >"$work/sl.late"
        cat "$work/sl.early" "$work/sl.hoarder" "$work/sl.late" >"$file"
}

sl_replay() {
        local rc=0 refused
        timeout 120 "$BP_BIN" replay --rules "$1" --input "$2" --quiet \
                >"$3" 2>"$work/sl.replay.err" || rc=$?
        [ "$rc" -eq 3 ] || fail "replay exited $rc, not 3: $(tail -n 3 "$work/sl.replay.err")"
        refused=$(grep -c "refused: state limit: freelancer already has $sl_limit contracts" \
                "$work/sl.replay.err")
        [ "$refused" -eq 20 ] || fail "replay refused $refused contracts, not 20: $(head -n 3 "$work/sl.replay.err")"
        [ "$(grep -vc 'refused: state limit' "$work/sl.replay.err")" -eq 1 ] ||
                fail "replay reported more than the refusals: $(grep -v 'refused: state limit' "$work/sl.replay.err" | head -n 3)"
        grep -q '"freelancer_id":"f-hoarder"' "$3" ||
                fail "the replay grants f-hoarder nothing: the decision after the limit was lost"
        echo "  replay: exit 3, 20 contracts refused ($(sed -n 1p "$work/sl.replay.err" | cut -c1-120))"
}

sl_check_dlq() {
        local file=$1 prefix=${2:-}
        [ "$(wc -l <"$file")" -eq 20 ] || fail "the dead-letter topic holds $(wc -l <"$file") records, not 20"
        jq -se --arg t "${prefix}contract-completed" --arg lim "$sl_limit" '
                all(.[]; .kafka.key == "f-hoarder" and .["dlq.topic"] == $t and
                (.["dlq.error"] | startswith("state limit: freelancer already has \($lim) contracts")))' \
                "$file" >/dev/null || fail "a dead letter is not a refused contract: $(head -n 1 "$file" | cut -c1-300)"
        [ "$(jq -r '.["dlq.offset"]' "$file" | sort -u | wc -l)" -eq 20 ] ||
                fail "the 20 dead letters are not 20 distinct records"
        echo "  dead-letter topic: the 20 contracts past the limit, each saying why"
}
