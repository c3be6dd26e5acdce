#!/usr/bin/env bash
# itest_rules_change.sh - tighten a partner's rules, SIGHUP: the right
# revocations, once; nothing more on an unchanged reload, a broken rules
# file or a restart.
#
# The runner processes 3,000 generated events under a copy of
# tests/data/rules-gen (less its certification requirements), then initech's minimum JSS goes from 90 to 95 in
# the copy and the runner gets SIGHUP (batches of 40 events, so each
# partition is re-evaluated in several committed slices). Expected: one badge-revoked per
# freelancer who held initech's badge (the replay under the old rules)
# and does not under the new ones (the replay under the new rules), each
# with the single reason JSS_BELOW_MIN, the next badge_version, the new
# rules_version, cause {topic "rules", event_id the new rules_version},
# and an occurred_at at the time of the reload (wall-clock); nothing for
# anyone else. Then: a rules file that does not parse is refused on
# SIGHUP and the rules in force stay; a second SIGHUP with the tightened
# rules publishes nothing; a restart under them publishes nothing either
# (the stored rules_version matches, so no partition is re-evaluated).
. "$(dirname "$0")/itest_lib.sh"

mc_start --brokers 3 --partitions 3
gen_produce 3000 300
# The generator's rules without their certification requirements (see
# itest_lib.sh: the reload and the replay would judge expiry at
# different times).
rules_without_certifications "$work/rules-old"
cp -r "$work/rules-old" "$work/rules"
run_rules="$work/rules"

# Batches of 40 events: each partition's ~100 freelancers are re-evaluated
# in several committed slices, which must publish exactly what one would.
run_start run1 batch.max.events=40
run_wait applied 3000 60

# --- tighten initech, SIGHUP
sed -i 's/job_success_score: { min: 90 }/job_success_score: { min: 95 }/' "$work/rules/initech.yaml"
grep -q 'min: 95' "$work/rules/initech.yaml" || fail "initech.yaml did not change"
cp -r "$work/rules" "$work/rules-new"
t0=$(($(date +%s%N) / 1000000))
# (the first start re-evaluates too: 3 lines already)
reevaluated=$(grep -c 'event=rules_reevaluated' "$work/run1.err")
kill -HUP "$run_pid"
run_wait_log 'event=rules_reevaluated' $((reevaluated + 3)) 30
t1=$(($(date +%s%N) / 1000000))
grep 'event=rules_reloaded' "$work/run1.err" | sed -E 's/^ts=[^ ]+ /  run1: /'
grep 'event=rules_reevaluated' "$work/run1.err" | tail -n 3 | sed -E 's/^ts=[^ ]+ /  run1: /'
slices=$(grep 'event=rules_reevaluated' "$work/run1.err" | tail -n 3 |
        sed -nE 's/.* batches=([0-9]+).*/\1/p' | sort -n | head -n 1)
[ "${slices:-0}" -ge 2 ] || fail "a re-evaluation was not committed in slices (batches=${slices:-none})"

# --- a rules file that does not parse: refused, nothing changes
cp "$work/rules/initech.yaml" "$work/initech.yaml"
echo 'requirements: [' >"$work/rules/initech.yaml"
kill -HUP "$run_pid"
run_wait_log 'event=rules_reload_failed' 1 30
grep 'event=rules_reload_failed' "$work/run1.err" | sed -E 's/^ts=[^ ]+ /  run1: /'
cp "$work/initech.yaml" "$work/rules/initech.yaml"

# --- the same rules again: nothing to do
kill -HUP "$run_pid"
run_wait_log 'event=rules_unchanged' 1 30
[ "$(grep -c 'event=rules_reevaluated' "$work/run1.err")" -eq $((reevaluated + 3)) ] ||
        fail "unchanged rules were re-evaluated"
run_stop

# --- the revocations, against the two replays
read_topic badge-events "$work/out.jsonl"
replay_of "$work/rules-old" "$work/events.jsonl" "$work/replay-old.jsonl"
replay_of "$work/rules-new" "$work/events.jsonl" "$work/replay-new.jsonl"
# Who holds what at the end of a stream: each pair's last event.
holders() {
        jq -rs 'group_by([.freelancer_id, .partner_id])[] | last |
                select(.type == "badge-granted") |
                "\(.freelancer_id) \(.partner_id) \(.badge_version)"' "$1" | sort
}
holders "$work/replay-old.jsonl" >"$work/held-old"
holders "$work/replay-new.jsonl" | cut -d' ' -f1,2 >"$work/held-new"
cut -d' ' -f1,2 "$work/held-old" | comm -23 - "$work/held-new" >"$work/lost"
[ -s "$work/lost" ] || fail "the tightened rules revoke nothing: a useless test"
new_version=$(jq -r 'select(.cause.topic == "rules") | .rules_version' "$work/out.jsonl" | sort -u)
[ "$(echo "$new_version" | wc -l)" -eq 1 ] || fail "re-evaluation under several versions: $new_version"
old_version=$(jq -r .rules_version "$work/replay-old.jsonl" | sort -u)
[ "$new_version" != "$old_version" ] || fail "the rules_version did not change"

jq -c 'select(.cause.topic != "rules")' "$work/out.jsonl" >"$work/before.jsonl"
same_events "$work/before.jsonl" "$work/replay-old.jsonl"
jq -c 'select(.cause.topic == "rules")' "$work/out.jsonl" >"$work/reeval.jsonl"
while read -r fl partner version; do
        jq -se --arg fl "$fl" --arg partner "$partner" --argjson v "$((version + 1))" \
                --arg rv "$new_version" --argjson t0 "$t0" --argjson t1 "$t1" '
                map(select(.freelancer_id == $fl and .partner_id == $partner)) |
                length == 1 and (.[0] |
                .type == "badge-revoked" and .badge_version == $v and
                [.reasons[].code] == ["JSS_BELOW_MIN"] and .rules_version == $rv and
                .cause.event_id == $rv and .occurred_at >= $t0 and .occurred_at <= $t1)' \
                "$work/reeval.jsonl" >/dev/null ||
                fail "$fl $partner: no right revocation: $(grep "\"$fl\"" "$work/reeval.jsonl")"
        echo "  ok: badge-revoked $fl $partner v$((version + 1))" \
                "$(jq -r --arg fl "$fl" 'select(.freelancer_id == $fl) | .reasons[0].detail' "$work/reeval.jsonl")"
done < <(grep -Ff "$work/lost" "$work/held-old")
[ "$(wc -l <"$work/reeval.jsonl")" -eq "$(wc -l <"$work/lost")" ] ||
        fail "$(wc -l <"$work/reeval.jsonl") events from the re-evaluation, expected $(wc -l <"$work/lost")"
total=$(wc -l <"$work/out.jsonl")
echo "  $(wc -l <"$work/lost") revocations, once each; $total badge events in all"

# --- a restart under the same rules: nothing re-evaluated, nothing new
run_start run2
run_wait_log 'event=assigned' 3 30
sleep 1 # long enough for any batch to commit (commit.interval.ms=100)
run_stop
[ "$(grep -c 'event=assigned.*rules_changed=false' "$work/run2.err")" -eq 3 ] ||
        fail "run2 thought the rules changed: $(grep 'event=assigned' "$work/run2.err")"
read_topic badge-events "$work/out2.jsonl"
[ "$(wc -l <"$work/out2.jsonl")" -eq "$total" ] ||
        fail "the restart published $(($(wc -l <"$work/out2.jsonl") - total)) events"
mc_stop
echo "ok: a tightened rule revoked the right badges once, and only once"
