#!/usr/bin/env bash
# test_avro_files.sh - replay and convert over Avro files, end to end.
#
# Asserts: one generated history as JSON Lines, as a framed-record dump,
# as one Avro container file (a union of the four types) and as four
# container files (one per type, given one by one or as a directory, read
# with --input-format auto) gives the same replay output; byte for byte for
# the single files (a record's offset is its position, as a line's is),
# and but for cause.partition/offset for the four files. convert brings the
# dump and the container file back to the very JSON Lines. Files written
# by Apache Avro for Python (Debian's python3-avro; codecs null and
# deflate, its own sync markers and block sizes) replay the same. Hostile
# files stop with "FILE:WHERE: reason" and exit 1 (a record length beyond
# the limit, a record cut short, a garbage header, a block claiming 1 TiB)
# or are skipped with exit 3 (a record that does not decode: the rest of a
# dump, the next blocks of a container file are still read).
set -euo pipefail

# shellcheck source=tests/cli_lib.sh
. "${BP_SRC:?BP_SRC must name the source tree}/tests/cli_lib.sh"
cd "$BP_SRC"
# no_cause FILE: the badge events without cause.partition and cause.offset.
no_cause() { jq -c 'del(.cause.partition, .cause.offset)' "$1"; }
types="profile-updated contract-completed invitation-sent partner-decision"
R=(replay -q --rules tests/data/rules-gen)

"$BP_BIN" gen --events 4000 --freelancers 150 --seed 7 >"$work/h.jsonl"
expect_rc 0 "$BP_BIN" "${R[@]}" --input "$work/h.jsonl"
cp "$work/out" "$work/want"
[ "$(wc -l <"$work/want")" -gt 100 ] || fail "the history publishes too little"

# --- the same history in every form
expect_rc 0 "$BP_BIN" convert -q -i "$work/h.jsonl" --output-format framed
cp "$work/out" "$work/h.dump"
expect_rc 0 "$BP_BIN" convert -q -i "$work/h.jsonl" --output-format avro
cp "$work/out" "$work/h.avro"
mkdir "$work/split"
n=1
for t in $types; do
        expect_rc 0 "$BP_BIN" convert -q -i "$work/h.jsonl" -F avro --only "$t"
        cp "$work/out" "$work/split/$n-$t.avro"
        n=$((n + 1))
done
head -c 4 "$work/h.avro" | grep -q '^Obj' || fail "no container file magic"

expect_rc 0 "$BP_BIN" "${R[@]}" --input "$work/h.dump" --input-format framed
cmp "$work/want" "$work/out" || fail "replay of the dump differs"
expect_rc 0 "$BP_BIN" "${R[@]}" --input "$work/h.avro" --input-format avro
cmp "$work/want" "$work/out" || fail "replay of the container file differs"
for f in h.jsonl h.dump h.avro; do
        expect_rc 0 "$BP_BIN" "${R[@]}" --input "$work/$f" --input-format auto
        cmp "$work/want" "$work/out" || fail "replay of $f under auto differs"
done
split=()
for f in "$work"/split/*; do split+=(--input "$f"); done
expect_rc 0 "$BP_BIN" "${R[@]}" --input-format avro "${split[@]}"
diff <(no_cause "$work/want") <(no_cause "$work/out") >/dev/null ||
        fail "replay of the four files differs"
jq -e -s 'map(.cause.partition) | unique | length > 1' "$work/out" >/dev/null ||
        fail "cause.partition does not name the file"
expect_rc 0 "$BP_BIN" "${R[@]}" --input-format auto --input "$work/split"
diff <(no_cause "$work/want") <(no_cause "$work/out") >/dev/null ||
        fail "replay of the directory differs"

# --- and back: the very JSON Lines
for f in h.dump h.avro; do
        expect_rc 0 "$BP_BIN" convert -q --input-format auto -i "$work/$f" -F jsonl
        cmp "$work/h.jsonl" "$work/out" || fail "$f does not convert back"
done

# --- container files written by another implementation
for codec in null deflate; do
        mkdir "$work/py-$codec"
        /usr/bin/python3 tests/crosscheck/write_ocf.py schemas "$work/h.jsonl" \
                "$work/py-$codec" "$codec" || fail "python3-avro could not write"
        expect_rc 0 "$BP_BIN" "${R[@]}" --input-format avro --input "$work/py-$codec"
        diff <(no_cause "$work/want") <(no_cause "$work/out") >/dev/null ||
                fail "replay of python3-avro's files ($codec) differs"
done

# --- hostile files: clear errors, no crash
# hostile NAME PYTHON-EXPR: writes the bytes of the expression to $work/NAME.
hostile() {
        python3 -c "import sys; sys.stdout.buffer.write($2)" >"$work/$1"
}
# zz(N): a zigzag varint, as the container format writes longs.
zz='(lambda n: (lambda u: bytes([(u >> (7*i)) & 127 | (128 if u >> (7*(i+1)) else 0) for i in range(max(1, (u.bit_length() + 6) // 7))]))(n << 1 if n >= 0 else (-n << 1) - 1))'
rec1=$(head -c 4 "$work/h.dump" | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4}')

hostile huge.dump "b'\\xff\\xff\\xff\\xff' + b'x' * 10"
expect_rc 1 "$BP_BIN" "${R[@]}" --input-format framed -i "$work/huge.dump"
grep -q "huge.dump:record 1 at byte 0: record length 4294967295 exceeds the limit of 1048576 bytes$" \
        "$work/err" || fail "huge length: $(cat "$work/err")"

head -c $((4 + rec1)) "$work/h.dump" >"$work/cut.dump"
printf '\0\0\0\x40abc' >>"$work/cut.dump"
expect_rc 1 "$BP_BIN" "${R[@]}" --input-format framed -i "$work/cut.dump"
grep -q "cut.dump:record 2 at byte $((4 + rec1)): truncated record: length 64, 3 bytes remain$" \
        "$work/err" || fail "truncated record: $(cat "$work/err")"

# A bad record between good ones is skipped, the others applied.
{ printf '\0\0\0\3\1\2\3'; cat "$work/h.dump"; } >"$work/bad.dump"
expect_rc 3 "$BP_BIN" "${R[@]}" --input-format framed -i "$work/bad.dump"
grep -q "bad.dump:record 1 at byte 0: bad magic byte 0x01$" "$work/err" ||
        fail "bad record: $(cat "$work/err")"
diff <(no_cause "$work/want") <(no_cause "$work/out") >/dev/null ||
        fail "the records after a bad one were not all applied"

hostile garbage.avro "b'Obj\\x01' + b'\\xff' * 40"
expect_rc 1 "$BP_BIN" "${R[@]}" --input-format avro -i "$work/garbage.avro"
grep -q "garbage.avro:header: " "$work/err" || fail "garbage header: $(cat "$work/err")"
expect_rc 1 "$BP_BIN" "${R[@]}" --input-format avro -i "$work/h.jsonl"
grep -q "h.jsonl:header: not an Avro object container file" "$work/err" ||
        fail "JSON Lines read as a container file: $(cat "$work/err")"

# The header of the invitations file, then a block claiming 1 TiB.
inv=$work/split/3-invitation-sent.avro
hdr=$(python3 -c "import sys; d=open('$inv','rb').read(); print(d.index(d[-16:]) + 16)")
head -c "$hdr" "$inv" >"$work/big.avro"
hostile tail.bin "$zz(1) + $zz(1 << 40)"
cat "$work/tail.bin" >>"$work/big.avro"
expect_rc 1 "$BP_BIN" "${R[@]}" --input-format avro -i "$work/big.avro"
grep -q "big.avro:block 1 at byte $hdr: block size 1099511627776 exceeds the limit of 16777216 bytes$" \
        "$work/err" || fail "huge block: $(cat "$work/err")"

# A block whose first datum claims a long string: that block is skipped,
# the following ones are read.
sync=$(python3 -c "import sys; d=open('$inv','rb').read(); sys.stdout.write(d[-16:].hex())")
hostile bad-block.bin "(lambda d: $zz(2) + $zz(len(d)) + d)($zz(1000) + b'ab') + bytes.fromhex('$sync')"
{ head -c "$hdr" "$inv"; cat "$work/bad-block.bin"; tail -c +$((hdr + 1)) "$inv"; } \
        >"$work/bad.avro"
expect_rc 3 "$BP_BIN" convert --input-format avro -i "$work/bad.avro" -F jsonl
grep -q "bad.avro:record 1 in block 1 at byte $hdr: string length 1000 exceeds remaining 2 bytes at field event_id; the rest of the block (1 records) is skipped$" \
        "$work/err" || fail "bad datum: $(cat "$work/err")"
cmp <(grep '"invitation-sent"' "$work/h.jsonl") "$work/out" ||
        fail "the blocks after a bad one were not all read"

# --- wrong command lines
expect_rc 2 "$BP_BIN" replay --input-format xml -i "$work/h.jsonl"
expect_rc 2 "$BP_BIN" replay --input-format avro --brokers localhost:1
expect_rc 2 "$BP_BIN" convert -i "$work/h.jsonl"
# auto must look at a pipe's first bytes without consuming them: refused
expect_rc 1 bash -c "cat '$work/h.jsonl' | '$BP_BIN' replay --input-format auto -i -"
grep -q 'input-format auto needs a file' "$work/err" || fail "auto on a pipe: $(cat "$work/err")"
expect_rc 0 bash -c "cat '$work/h.avro' | '$BP_BIN' ${R[*]} --input-format avro -i -"
cmp "$work/want" "$work/out" || fail "a container file on a pipe differs"
echo "ok: Avro files replay as their JSON Lines do"
