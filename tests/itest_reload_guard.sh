#!/usr/bin/env bash
# itest_reload_guard.sh - a SIGHUP reload that would change more badges
# than rules.reload.max.changes waits for a confirmation.
#
# The runner processes 3,000 generated events under a copy of
# tests/data/rules-gen without its certification requirements (as in
# itest_rules_change.sh: a re-evaluation judges certification expiry at
# the time of the reload, `what-if` at the end of history), with
# rules.reload.max.changes set to what `what-if` says a small change
# (initech's minimum JSS 90 -> 91) makes. Then:
#  - the small change, SIGHUP: within the limit, applied; the counts it
#    logs equal what-if's;
#  - a big change (initech's minimum JSS 100), SIGHUP: refused, with
#    what-if's counts per partner in the log line and the file that
#    would confirm it; the rules in force stay (no badge event is
#    published, and a second SIGHUP is refused again);
#  - the confirmation file created, SIGHUP: applied, and the revocations
#    published are what-if's.
# Before that, rules errors that used to pass unnoticed: a start on an
# empty rules directory, or on one whose file is spelt .yml, exits 2
# before it connects; a reload that finds initech.yaml renamed to .yml
# is refused (rules_reload_failed) and the rules in force stay.
. "$(dirname "$0")/itest_lib.sh"

mkdir "$work/rules-empty" "$work/rules-yml"
cp "$BP_SRC/tests/data/rules-gen/acme.yaml" "$work/rules-yml/acme.yml"
for dir in empty yml; do
        set +e
        # A broker that is never reached: the rules are checked first.
        "$BP_BIN" run --set rules.dir="$work/rules-$dir" --set state.dir="$work/state-$dir" \
                --set kafka.bootstrap.servers=127.0.0.1:1 \
                --set metrics.listen=off >/dev/null 2>"$work/run-$dir.err"
        rc=$?
        set -e
        [ "$rc" -eq 2 ] || fail "a start on rules-$dir exited $rc, expected 2"
        grep -E 'event=start_failed .*(no rules file|a .yml file is not read)' "$work/run-$dir.err" |
                sed -E 's/^ts=[^ ]+ /  run on rules-'"$dir"': /' | cut -c1-200 | grep . ||
                fail "a start on rules-$dir did not say why: $(cat "$work/run-$dir.err")"
        [ ! -e "$work/state-$dir" ] || fail "a start on rules-$dir created its state directory"
done

mc_start --brokers 1 --partitions 3
gen_produce 3000 300
rules_without_certifications "$work/rules-old"
for change in small:91 big:100; do
        cp -r "$work/rules-old" "$work/rules-${change%%:*}"
        sed -i "s/job_success_score: { min: 90 }/job_success_score: { min: ${change#*:} }/" \
                "$work/rules-${change%%:*}/initech.yaml"
done

# what-if of FROM -> TO: "<granted> <revoked> <new version> <by_partner>",
# by_partner as the runner logs it.
what_if() {
        timeout 60 "$BP_BIN" what-if --rules "$work/rules-$1" --new-rules "$work/rules-$2" \
                --input "$work/events.jsonl" --json 2>"$work/what-if.err" |
                jq -r '"\(.summary.newly_granted) \(.summary.newly_revoked) \(.new_rules) " +
                        ([.by_partner[] | "\(.partner_id):+\(.newly_granted)/-\(.newly_revoked)"] | join(","))' ||
                fail "what-if $1 -> $2 failed: $(cat "$work/what-if.err")"
}
read -r s_granted s_revoked s_version s_by < <(what_if old small)
read -r b_granted b_revoked b_version b_by < <(what_if small big)
small=$((s_granted + s_revoked))
big=$((b_granted + b_revoked))
echo "  what-if: small change $small ($s_by), big change $big ($b_by)"
[ "$small" -ge 1 ] && [ "$big" -gt "$small" ] || fail "the changes do not make a test (small $small, big $big)"

cp -r "$work/rules-old" "$work/rules"
run_rules="$work/rules"
run_start run1 rules.reload.max.changes="$small"
run_wait applied 3000 60
run_wait_log 'event=rules_reevaluated' 3 30 # the first start's
log_line() { grep "event=$1" "$work/run1.err" | tail -n 1 | sed -E 's/^ts=[^ ]+ //'; }
# expect_line EVENT PATTERN WHAT: the last EVENT line, printed, must
# match the shell pattern PATTERN.
expect_line() {
        line=$(log_line "$1")
        echo "  run1: $line" | cut -c1-240
        # shellcheck disable=SC2254 # $2 is a pattern
        case "$line" in
        $2) ;;
        *) fail "$3: $line" ;;
        esac
}

# --- the small change: within the limit
cp "$work/rules-small/initech.yaml" "$work/rules/initech.yaml"
kill -HUP "$run_pid"
run_wait_log 'event=rules_reevaluated' 6 30
expect_line rules_reload_check \
        "*new=$s_version *granted=$s_granted revoked=$s_revoked max_changes=$small by_partner=$s_by" \
        "the small change's check does not match what-if's $s_granted/$s_revoked ($s_by)"
grep -q "event=rules_reloaded .*new=$s_version" "$work/run1.err" || fail "the small change was not applied"
# --- a file renamed to .yml: refused, the rules in force stay
mv "$work/rules/initech.yaml" "$work/rules/initech.yml"
kill -HUP "$run_pid"
run_wait_log 'event=rules_reload_failed' 1 30
expect_line rules_reload_failed "*initech.yml:1:1: rules files end in .yaml*rules_version=$s_version *" \
        "the .yml reload's refusal does not say why, or which rules stay"
mv "$work/rules/initech.yml" "$work/rules/initech.yaml"
sleep 1 # its re-evaluation's batches commit (commit.interval.ms=100)
read_topic badge-events "$work/out1.jsonl"
before=$(wc -l <"$work/out1.jsonl")

# --- the big change: refused, twice
cp "$work/rules-big/initech.yaml" "$work/rules/initech.yaml"
confirm="$work/rules/.confirm-$b_version"
for n in 1 2; do
        kill -HUP "$run_pid"
        run_wait_log 'event=rules_reload_refused' "$n" 30
done
expect_line rules_reload_refused \
        "*new=$b_version granted=$b_granted revoked=$b_revoked max_changes=$small by_partner=$b_by confirm_file=$confirm *" \
        "the refusal does not carry what-if's counts $b_granted/$b_revoked ($b_by) and $confirm"
grep -q "event=rules_reloaded .*new=$b_version" "$work/run1.err" && fail "the big change was applied"
sleep 1
read_topic badge-events "$work/out2.jsonl"
[ "$(wc -l <"$work/out2.jsonl")" -eq "$before" ] ||
        fail "a refused reload published $(($(wc -l <"$work/out2.jsonl") - before)) badge events"
# Still the small change's rules: an event now is decided under them.
echo "  refused twice; nothing published ($before badge events)"

# --- confirmed
touch "$confirm"
kill -HUP "$run_pid"
run_wait_log 'event=rules_reevaluated' 9 30
grep -q "event=rules_reload_confirmed new=$b_version changes=$big max_changes=$small confirm_file=$confirm" \
        "$work/run1.err" || fail "no rules_reload_confirmed line: $(log_line rules_reload_confirmed)"
grep -q "event=rules_reloaded .*new=$b_version" "$work/run1.err" || fail "the confirmed change was not applied"
sleep 1
run_stop
read_topic badge-events "$work/out3.jsonl"
revoked=$(jq -r --arg v "$b_version" 'select(.rules_version == $v and .type == "badge-revoked") | .event_id' \
        "$work/out3.jsonl" | sort -u | wc -l)
granted=$(jq -r --arg v "$b_version" 'select(.rules_version == $v and .type == "badge-granted") | .event_id' \
        "$work/out3.jsonl" | sort -u | wc -l)
[ "$revoked" -eq "$b_revoked" ] && [ "$granted" -eq "$b_granted" ] ||
        fail "the confirmed reload published $granted grants and $revoked revocations, what-if said $b_granted and $b_revoked"
mc_stop
echo "ok: $small changes passed, $big waited for $confirm and then published $revoked revocations"
