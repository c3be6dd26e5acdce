#!/usr/bin/env bash
# test_demo.sh - `badgeproc demo` (the README's first command) agrees with
# `badgeproc replay` of the same generated events.
#
# The demo runs a small scenario end to end (mock cluster, produce, the
# processor, the feed) and writes the badge events it read back from the
# badge-events topic as JSON Lines (--output). The same options through
# `gen` give the same events, which `replay` applies in file order. The
# two must agree on: the summary numbers (events in and applied = lines
# generated; granted and revoked = replay's counts; no dead letters; no
# aborted transactions); the feed's lines (one `+ GRANTED` per grant, one
# `- REVOKED` per revocation); and the badge events themselves, field by
# field, except where the event came from (cause.partition and
# cause.offset: a Kafka position in the demo, the line number in replay).
# The state directory is removed at the end. Every wait is bounded.
# BP_DEMO_BROKERS=LIST runs the demo on that real cluster (--brokers)
# instead of the mock: ktest_demo.sh does.
set -euo pipefail

: "${BP_BIN:?BP_BIN must name the badgeproc binary}"
: "${BP_SRC:?BP_SRC must name the source tree}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
        echo "FAIL: $*" >&2
        [ -s "$work/demo.err" ] && sed 's/^/  demo: /' "$work/demo.err" >&2
        exit 1
}

scenario=(--events 2500 --freelancers 250 --partners 5 --seed 7)
cd "$BP_SRC"

"$BP_BIN" gen "${scenario[@]}" >"$work/events.jsonl"
lines=$(wc -l <"$work/events.jsonl")
"$BP_BIN" replay --quiet --rules tests/data/rules-gen \
        --input "$work/events.jsonl" >"$work/replay.jsonl" ||
        fail "replay failed"
granted=$(grep -c '"type":"badge-granted"' "$work/replay.jsonl" || true)
revoked=$(grep -c '"type":"badge-revoked"' "$work/replay.jsonl" || true)
if [ "$granted" -eq 0 ] || [ "$revoked" -eq 0 ]; then
        fail "the scenario should grant and revoke (granted=$granted revoked=$revoked)"
fi

export TMPDIR="$work"
on=()
[ -z "${BP_DEMO_BROKERS:-}" ] || on=(--brokers "$BP_DEMO_BROKERS")
timeout 240 "$BP_BIN" demo "${scenario[@]}" "${on[@]}" --timeout 200 \
        --output "$work/demo.jsonl" >"$work/demo.out" 2>"$work/demo.err" ||
        fail "demo exit status $?: $(tail -n 5 "$work/demo.out")"

# summary VALUE-NAME: the number on the summary line that starts with it.
summary() {
        awk -v k="$1" 'index($0, "  " k " ") == 1 {
                sub("^  " k " *", ""); print $1 }' "$work/demo.out"
}
check() {
        local got
        got=$(summary "$1")
        [ "$got" = "$2" ] || fail "summary '$1' is '$got', expected $2"
}
check "events in" "$lines"
check "events applied" "$lines"
check "badges granted" "$granted"
check "badges revoked" "$revoked"
check "dead letters" 0
grep -q '^  transactions .* committed, 0 aborted$' "$work/demo.out" ||
        fail "transactions line: $(grep transactions "$work/demo.out")"
grep -q '^  events/s ' "$work/demo.out" || fail "no events/s line"
grep -q '^  note:' "$work/demo.out" && fail "feed and processor disagree"

[ "$(grep -c '^+ GRANTED ' "$work/demo.out")" = "$granted" ] ||
        fail "feed shows $(grep -c '^+ GRANTED ' "$work/demo.out") grants"
[ "$(grep -c '^- REVOKED ' "$work/demo.out")" = "$revoked" ] ||
        fail "feed shows $(grep -c '^- REVOKED ' "$work/demo.out") revocations"

# The badge events, field by field, without where they came from; on a
# real cluster the demo's topics carry a prefix of the run's own
# (badgeproc-demo-<time>-<pid>.), which cause.topic names.
normalise() {
        /usr/bin/python3 -c '
import json, sys
out = []
for line in open(sys.argv[1]):
    ev = json.loads(line)
    del ev["cause"]["partition"], ev["cause"]["offset"]
    ev["cause"]["topic"] = ev["cause"]["topic"].rsplit(".", 1)[-1]
    out.append(json.dumps(ev, sort_keys=True))
print("\n".join(sorted(out)))' "$1"
}
normalise "$work/replay.jsonl" >"$work/replay.norm"
normalise "$work/demo.jsonl" >"$work/demo.norm"
diff -q "$work/replay.norm" "$work/demo.norm" >/dev/null ||
        fail "badge events differ: $(diff "$work/replay.norm" "$work/demo.norm" | head -n 6)"

leftover=$(find "$work" -maxdepth 1 -name 'badgeproc-demo.*' | head -n 1)
[ -z "$leftover" ] || fail "state directory left behind: $leftover"
echo "PASS: demo agrees with replay ($lines events, $granted granted, $revoked revoked)"
