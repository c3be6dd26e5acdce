#!/usr/bin/env bash
# test_audit_cli.sh - replay --decision-log, explain, audit and what-if end
# to end on the recorded history tests/data/audit/history.jsonl (four
# freelancers, two partners: grants, a revocation for a low JSS and a
# re-grant, a removal by the platform, the new-freelancer exception lost
# and regained, a redelivered contract).
#
# Asserts: the decision log has one line per published event, same ids,
# each with its checks; explain's text is the golden file (the README
# sample) and its JSON says the same; an audit of what replay publishes
# finds nothing (exit 0); an audit of a tampered copy (an unjustified
# grant, a missing revocation, a duplicate) finds exactly those three
# (exit 4); what-if under tests/data/audit/rules-new finds the two
# revocations it should, with counts; and wrong command lines exit 2.
set -euo pipefail

# shellcheck source=tests/cli_lib.sh
. "${BP_SRC:?BP_SRC must name the source tree}/tests/cli_lib.sh"
cd "$BP_SRC/tests/data/audit"
R=(--rules rules --input history.jsonl)

# --- replay --decision-log: one decision per published event
expect_rc 0 "$BP_BIN" replay -q "${R[@]}" --decision-log "$work/decisions"
cp "$work/out" "$work/published"
[ "$(wc -l <"$work/published")" -eq 8 ] || fail "replay published $(wc -l <"$work/published")"
diff <(jq -r .event_id "$work/published") <(jq -r .event_id "$work/decisions") ||
        fail "decision log ids differ from the published ones"
[ "$(jq -c 'select(.holds != (.kind == "badge-granted"))' "$work/decisions" | wc -l)" -eq 0 ] ||
        fail "a decision's holds disagrees with its kind"
jq -s -e 'map(select(.event_id == "b-6de262e62f4903a6ff68bb51ebfad60f"))[0] |
        .failing == ["JSS_BELOW_MIN"] and (.checks | length) == 11 and
        (.checks[10] | .check == "jss" and .value == 83 and .pass == false)' \
        "$work/decisions" >/dev/null || fail "revocation decision: $(sed -n 4p "$work/decisions")"

# --- explain: the golden text, and the JSON agrees
expect_rc 0 "$BP_BIN" explain "${R[@]}" --freelancer fl-maria --partner acme \
        --at 2026-05-01T00:00:00Z
diff -u explain-maria.txt "$work/out" || fail "explain text differs from explain-maria.txt"
expect_rc 0 "$BP_BIN" explain "${R[@]}" --freelancer fl-maria --partner acme \
        --at 2026-05-01T00:00:00Z --json
jq -e '[.timeline[] | [.partners[].outcome][0] // "unchanged"] ==
        ["not_held","not_held","not_held","not_held","granted","revoked",
         "granted","unchanged"]' "$work/out" >/dev/null || fail "explain --json timeline"
jq -e '.at.events == 6 and (.at.partners[0] | .held == false and
        .since == 1776671100000 and .failing == ["JSS_BELOW_MIN"])' \
        "$work/out" >/dev/null || fail "explain --json at: $(jq -c .at "$work/out")"
expect_rc 0 "$BP_BIN" explain "${R[@]}" --freelancer nobody
grep -q '^No event of freelancer nobody\.$' "$work/out" || fail "unknown freelancer"

# --- audit: clean, then tampered
expect_rc 0 "$BP_BIN" audit "${R[@]}" --published "$work/published"
grep -q '^no discrepancies' "$work/out" || fail "clean audit: $(cat "$work/out")"
expect_rc 4 "$BP_BIN" audit "${R[@]}" --published published-tampered.jsonl --json
jq -e '.summary | .expected == 8 and .published == 9 and .matched == 7 and
        .unjustified == 1 and .missing == 1 and .duplicate == 1 and
        .order == 0 and .mismatch == 0 and .discrepancies == 3' "$work/out" \
        >/dev/null || fail "tampered audit: $(jq -c .summary "$work/out")"
jq -e '[.discrepancies[] | [.kind] + ((.published // .expected) |
        [.freelancer_id, .type, .badge_version])] ==
        [["duplicate","fl-omar","badge-granted",1],
         ["unjustified","fl-kim","badge-granted",1],
         ["missing","fl-maria","badge-revoked",2]]' "$work/out" >/dev/null ||
        fail "tampered audit details: $(jq -c .discrepancies "$work/out")"
jq -e '.discrepancies[0].identical == true' "$work/out" >/dev/null ||
        fail "the duplicate is an exact redelivery"
expect_rc 4 "$BP_BIN" audit "${R[@]}" --published published-tampered.jsonl
grep -q '^  discrepancies         3$' "$work/out" || fail "text summary: $(cat "$work/out")"

# --- what-if: three contracts at acme, no exception at globex
expect_rc 0 "$BP_BIN" what-if "${R[@]}" --new-rules rules-new --json
jq -e '.summary == {"newly_granted":0,"newly_revoked":2} and
        .changes == [
          {"freelancer_id":"fl-lena","partner_id":"globex",
           "badge_id":"globex-expert","change":"revoked",
           "reasons":["JSS_MISSING"]},
          {"freelancer_id":"fl-maria","partner_id":"acme",
           "badge_id":"acme-expert","change":"revoked",
           "reasons":["CONTRACTS_BELOW_MIN"]}] and
        .by_partner == [
          {"partner_id":"acme","newly_granted":0,"newly_revoked":1},
          {"partner_id":"globex","newly_granted":0,"newly_revoked":1}]' \
        "$work/out" >/dev/null || fail "what-if: $(cat "$work/out")"
expect_rc 0 "$BP_BIN" what-if "${R[@]}" --new-rules rules
grep -q '^  newly revoked      0$' "$work/out" || fail "same rules changed something"

# --- wrong command lines
expect_rc 2 "$BP_BIN" explain "${R[@]}"
expect_rc 2 "$BP_BIN" explain "${R[@]}" --freelancer f --at yesterday
expect_rc 2 "$BP_BIN" audit "${R[@]}"
expect_rc 2 "$BP_BIN" audit "${R[@]}" --published x --published-topic y
expect_rc 2 "$BP_BIN" what-if "${R[@]}"
expect_rc 2 "$BP_BIN" replay "${R[@]}" --from 2026-01-01T00:00:00Z
expect_rc 2 "$BP_BIN" replay --rules rules --input history.jsonl --brokers x
expect_rc 1 "$BP_BIN" audit "${R[@]}" --published "$work/absent"
grep -q 'msg="cannot open published events"' "$work/err" || fail "$(cat "$work/err")"
echo "ok: decision log, explain, audit and what-if on the recorded history"
