#!/usr/bin/env bash
# itest_kcat_scenario.sh - a hand-written story through `badgeproc run`,
# with kcat as the outside client on both ends.
#
# tests/data/itest/scenario.jsonl is five freelancers and four partners
# (grants on both bases, revocations for each kind of reason, silent
# events). `badgeproc produce` frames it onto staging topics (stage.*);
# kcat reads each framed record back byte for byte and produces it, in
# story order, to the real input topic under its key, while the runner is
# already running. kcat then reads badge-events record by record, and
# `badgeproc decode` decodes each one. Checked: every grant and revocation
# of scenario.expected.tsv (worked out by hand) with its basis or reason
# codes, its badge_version and the input event that caused it, nothing
# else; each record keyed by its freelancer; and the whole output equal to
# `badgeproc replay` of the story. kcat stamps records with the time it
# sends them, so sending them one by one, in story order, keeps the
# runner's merge order the story's order.
. "$(dirname "$0")/itest_lib.sh"

data="$BP_SRC/tests/data/itest"
inputs="profile-updated contract-completed invitation-sent partner-decision"
topics="$inputs badge-events badge-dlq badge-state-changelog"
for t in $inputs; do topics+=" stage.$t"; done

mc_start --brokers 3 --partitions 3 --topics "${topics// /,}"

# --- frame the story onto the staging topics
timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --topic-prefix stage. \
        --input "$data/scenario.jsonl" --schema-map "$schema_map" \
        2>"$work/produce.err" || fail "produce failed: $(cat "$work/produce.err")"
n=$(grep -c . "$data/scenario.jsonl")
grep -q "delivered=$n rejected=0" "$work/produce.err" ||
        fail "staging: $(cat "$work/produce.err")"

# Where each staged record is, in story order (its timestamp is the
# event's occurred_at).
for t in $inputs; do
        timeout 20 kcat -C -b "$bootstrap" -t "stage.$t" -e -q \
                -f "%T $t %p %o %k\n" || fail "kcat could not list stage.$t"
done | sort -n >"$work/staged"
[ "$(wc -l <"$work/staged")" -eq "$n" ] || fail "staged $(wc -l <"$work/staged") of $n"

run_start run

# --- kcat copies each framed record to its input topic, one by one
mkdir "$work/rec"
i=0
while read -r _ts topic part off key; do
        i=$((i + 1))
        timeout 20 kcat -C -b "$bootstrap" -t "stage.$topic" -p "$part" \
                -o "$off" -c 1 -e -q -f '%s' >"$work/rec/$i" ||
                fail "kcat could not read stage.$topic $part/$off"
        timeout 20 kcat -P -b "$bootstrap" -t "$topic" -k "$key" \
                "$work/rec/$i" || fail "kcat could not produce record $i"
done <"$work/staged"
echo "  kcat produced $i framed records to the input topics"

run_wait applied "$n" 60
run_stop
[ "$(run_count dead_lettered)" -eq 0 ] || fail "records dead-lettered"

# --- kcat reads badge-events; badgeproc decode decodes each record
timeout 20 kcat -C -b "$bootstrap" -t badge-events -e -q \
        -f '%p %o %k\n' >"$work/out.index" || fail "kcat could not list badge-events"
: >"$work/out.jsonl"
while read -r part off key; do
        timeout 20 kcat -C -b "$bootstrap" -t badge-events -p "$part" \
                -o "$off" -c 1 -e -q -f '%s' >"$work/badge" ||
                fail "kcat could not read badge-events $part/$off"
        "$BP_BIN" decode --schema-map "$schema_map" "$work/badge" \
                >"$work/decoded" 2>"$work/decode.err" ||
                fail "badge-events $part/$off: $(cat "$work/decode.err")"
        [ "$(jq -r .freelancer_id "$work/decoded")" = "$key" ] ||
                fail "badge-events $part/$off is keyed $key: $(cat "$work/decoded")"
        cat "$work/decoded" >>"$work/out.jsonl"
done <"$work/out.index"

# --- each grant and revocation, against the hand-worked list
jq -r '[.type, .freelancer_id, .partner_id, .badge_version,
        (.basis // ([.reasons[].code] | join(","))), .cause.event_id] | @tsv' \
        "$work/out.jsonl" | sort >"$work/got.tsv"
grep -v '^#' "$data/scenario.expected.tsv" | sort >"$work/want.tsv"
diff -u "$work/want.tsv" "$work/got.tsv" >&2 || fail "badge events differ from scenario.expected.tsv"
while IFS="$(printf '\t')" read -r type fl partner version why cause; do
        echo "  ok: $type $fl $partner v$version $why (cause $cause)"
done <"$work/got.tsv"

# Every reason comes with a detail; and the whole output is the replay's.
[ "$(jq -r 'select(.reasons) | .reasons[] | select(.detail == "") | .code' \
        "$work/out.jsonl" | wc -l)" -eq 0 ] || fail "a reason without detail"
replay_of "$run_rules" "$data/scenario.jsonl" "$work/replay.jsonl"
same_events "$work/out.jsonl" "$work/replay.jsonl"
mc_stop
echo "ok: kcat in, kcat out: $(wc -l <"$work/got.tsv") badge events as worked out by hand"
