#!/usr/bin/env bash
# ktest_compaction.sh - the state changelog compacted by a real broker's
# log cleaner, then a full restore from it into an empty state directory.
#
# The changelog is made by deploy/kafka/create-topics.sh with segments
# that roll every second and a cleaner that works on any dirty share
# (segment.ms=1000, min.cleanable.dirty.ratio=0.01), so that the broker
# compacts it while instance a works through a history in which each
# freelancer's state changes about twenty times. Asserts: the broker
# really cleaned it (the records a reader gets are far fewer than the
# offsets written: most offsets are gone), then instance b, with an empty
# state directory, restores every partition from what is left, reports
# compacted windows (seals whose predecessor the cleaner removed), and
# its `state dump` equals a's and the replay's.
. "$(dirname "$0")/kafka_real_lib.sh"
kr_use_shared_cluster
command -v kcat >/dev/null || fail "kcat is not installed"

prefix="bp-compact-$$-$(date +%s)."
changelog="${prefix}badge-state-changelog"
kr_topics "$prefix" 3 --changelog-config segment.ms=1000 \
        --changelog-config min.cleanable.dirty.ratio=0.01
kr_topic_opts "$prefix"
events=20000
kr_history $events 1000 41
kr_generate "$work/in.jsonl" "$prefix" 1000 0.5

opts=("${kr_opts[@]}" batch.max.events=50 commit.interval.ms=50)
eos_start a "$work/a" "${opts[@]}"
wait "$gen_pid" || fail "the generator failed: $(tail -n 3 "$work/produce.log")"
eos_wait_offsets "$work/a" $events 120

# Records a read_committed reader gets, against the offsets written.
changelog_records() {
        kcat -C -b "$bootstrap" -t "$changelog" -o beginning -e -q \
                -X isolation.level=read_committed -f '%o\n' 2>/dev/null | wc -l
}
written=$(kr_hw "$changelog")
deadline=$((SECONDS + 120))
while :; do
        left=$(changelog_records)
        [ "$left" -lt $((written / 3)) ] && break
        [ "$SECONDS" -lt "$deadline" ] ||
                fail "the broker did not compact the changelog in 120 s: $left of $written offsets still hold records"
        # A segment rolls only when a record comes after segment.ms: a
        # batch of a's keeps the changelog moving.
        sleep 2
done
echo "  changelog compacted by the broker: $left records left of $written offsets written"
eos_stop a

eos_start b "$work/b" "${opts[@]}"
for p in 0 1 2; do eos_wait_log b "event=assigned partition=$p " 60; done
eos_stop b
compacted=$(grep 'event=restored ' "$work/b.err" |
        sed -E 's/.*compacted_batches=([0-9]+).*/\1/' | awk '{s += $1} END {print s + 0}')
records=$(grep 'event=restored ' "$work/b.err" |
        sed -E 's/.* records=([0-9]+) .*/\1/' | awk '{s += $1} END {print s + 0}')
echo "  b restored $records records into an empty store; $compacted compacted windows"
[ "$compacted" -gt 0 ] || fail "b's restores saw no compacted window"
eos_dump_latest "$work/a" | sort >"$work/a.state"
eos_dump_latest "$work/b" | sort >"$work/b.state"
cmp -s "$work/a.state" "$work/b.state" ||
        fail "the restored state differs from a's: $(diff "$work/a.state" "$work/b.state" | head -n 4 | cut -c1-200)"
eos_same_state "$work/want.state" "$work/b"
echo "ok: real Kafka: the broker compacted the changelog; a full restore from it equals the original state"
