#!/usr/bin/env bash
# test_state_limit_cli.sh - the history tools refuse what `run` refuses:
# the events that would take a state past a limit (rules/bp_state.h).
#
# Over the history of state_limit_lib.sh (f-hoarder's 20 contracts past
# the limit among 3,000 other events): replay exits 3 and names the 20;
# audit of the replay's own output against that history reports the same
# 20 and finds nothing unjustified, mismatched or missing (the events
# after the limit, f-hoarder's grant among them, agree); what-if with
# the same rules on both sides reports the 20 and no change; explain
# of f-hoarder shows each of the 20 as refused, in text and JSON. Without the
# refusals in the tools, the replay would count the 20 contracts and the
# audit would be judging another history than the runtime's.
. "$(dirname "$0")/cli_lib.sh"
. "$(dirname "$0")/state_limit_lib.sh"

rules="$BP_SRC/tests/data/rules-gen"
sl_history "$work/in.jsonl"
sl_replay "$rules" "$work/in.jsonl" "$work/want.jsonl"

refusals() { grep -c "refused: state limit: freelancer already has $sl_limit contracts" "$work/err" || true; }

rc=0
"$BP_BIN" audit --rules "$rules" --input "$work/in.jsonl" --published "$work/want.jsonl" \
        >"$work/out" 2>"$work/err" || rc=$?
[ "$(refusals)" -eq 20 ] || fail "audit reported $(refusals) refusals, not 20: $(head -n 3 "$work/err")"
[ "$rc" -eq 3 ] || fail "audit exited $rc, not 3 (inputs rejected)"
grep -q "35791 events (20 rejected)" "$work/out" || fail "audit did not count the 20 as rejected: $(sed -n 2p "$work/out")"
grep -q "^no discrepancies" "$work/out" || fail "audit found discrepancies: $(head -n 16 "$work/out")"
echo "  audit: exit $rc, 20 refusals, nothing unjustified or missing"

rc=0
"$BP_BIN" what-if --rules "$rules" --new-rules "$rules" --input "$work/in.jsonl" \
        >"$work/out" 2>"$work/err" || rc=$?
[ "$(refusals)" -eq 20 ] || fail "what-if reported $(refusals) refusals, not 20: $(head -n 3 "$work/err")"
[ "$rc" -eq 3 ] || fail "what-if exited $rc, not 3 (inputs rejected)"
grep -q " $((35791 - 20)) events up to" "$work/out" || fail "what-if applied another count: $(head -n 1 "$work/out")"
grep -Eq "newly granted +0" "$work/out" && grep -Eq "newly revoked +0" "$work/out" ||
        fail "what-if with the same rules found changes: $(head -n 6 "$work/out")"
echo "  what-if: exit $rc, 20 refusals; $(head -n 1 "$work/out")"
"$BP_BIN" explain --rules "$rules" --input "$work/in.jsonl" --freelancer f-hoarder \
        >"$work/out" 2>"$work/err" || fail "explain failed: $(head -n 3 "$work/err")"
[ "$(grep -c '^  refused: state limit: freelancer already has' "$work/out")" -eq 20 ] ||
        fail "explain shows $(grep -c '^  refused: state limit' "$work/out") refused events, not 20"
"$BP_BIN" explain --rules "$rules" --input "$work/in.jsonl" --freelancer f-hoarder --json \
        >"$work/out" 2>"$work/err" || fail "explain --json failed: $(head -n 3 "$work/err")"
[ "$(jq '[.. | objects | select(has("refused")) | select(.changed == false)] | length' "$work/out")" -eq 20 ] ||
        fail "explain --json does not mark the 20 refused events"
echo "  explain: the 20 events shown as refused (text and JSON)"
echo "ok: replay, audit, what-if and explain refuse the 20 events run dead-letters"
