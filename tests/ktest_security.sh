#!/usr/bin/env bash
# ktest_security.sh - badgeproc on a real Kafka cluster of its own with
# security on: SASL_SSL with a CA and a broker certificate made by openssl
# at test time (the client verifies the broker with the CA), the broker's
# StandardAuthorizer, and for User:badgeproc exactly the ACLs of
# deploy/kafka/acls.sh (scripts/kafka.sh --security sasl_ssl).
#
# 1. SCRAM-SHA-512. librdkafka before 2.6.1 (Debian bookworm: 2.0.2)
#    repeats the client nonce in its SCRAM final message, which Kafka 4
#    refuses as invalid credentials (confluentinc/librdkafka#4895): with
#    such a librdkafka, `run` must stop by itself, exit 1, within 60 s,
#    saying so, and the rest runs over SASL/PLAIN on the same TLS
#    listener (same users, same ACLs); with a newer one, over SCRAM.
#    A client that does not trust the test CA is refused the connection
#    (exit 1 within 60 s, "certificate verify failed").
# 2. With the ACLs: `run` processes the input exactly once (badge-events
#    read with isolation.level=read_committed judged against `replay`,
#    zero duplicates; the store equals the replay's state).
# 3. With one ACL removed (the Write on badge-events, then, that one put
#    back, the group's Read): `run` stops by itself, exit 1, within 60 s,
#    naming what was refused.
# 4. No password (SCRAM users, keystore) is in any badgeproc log, nor on
#    the command line of any `run` (its settings come from a file of mode
#    600). The reader and the generator run as User:admin with -X (consume
#    and produce take no config file): their command lines do carry the
#    admin's password, for a second or two.
. "$(dirname "$0")/kafka_real_lib.sh"
for tool in openssl keytool; do
        command -v "$tool" >/dev/null || kr_skip "$tool not found (scripts/deps.sh installs it)"
done

t0=$SECONDS
kr_cluster_start sec --security sasl_ssl
kd="$work/sec"
secrets=("$(cat "$kd/secrets/admin")" "$(cat "$kd/secrets/badgeproc")" "$(cat "$kd/secrets/keystore")")
prefix="bp-sec."
kr_topic_opts "$prefix"
echo "  cluster up over SASL_SSL after $((SECONDS - t0)) s"

# wait_exit NAME SECONDS: waits until NAME exits by itself; sets $rc.
wait_exit() {
        local pid=${eos_pid[$1]} deadline=$((SECONDS + $2))
        while kill -0 "$pid" 2>/dev/null; do
                [ "$SECONDS" -lt "$deadline" ] || fail "$1 still runs after $2 s"
                sleep 0.1
        done
        rc=0
        wait "$pid" || rc=$?
}

# argv_clean NAME: NAME's command line (as ps shows it) has no password.
argv_clean() {
        local cmd="" s i
        for i in $(seq 50); do # until the subshell has become badgeproc
                cmd=$(tr '\0' ' ' <"/proc/${eos_pid[$1]}/cmdline" 2>/dev/null) || return 0
                [ -n "$cmd" ] || return 0 # exited already (a zombie has none)
                [[ "$cmd" != "$BP_BIN run "* ]] || break
                sleep 0.1
        done
        [[ "$cmd" == "$BP_BIN run "* ]] || fail "$1: not badgeproc run after $i tries: $cmd"
        for s in "${secrets[@]}"; do
                case "$cmd" in *"$s"*) fail "$1: a password is on its command line" ;; esac
        done
        case "$cmd" in *--config*) ;; *) fail "$1: no --config on its command line: $cmd" ;; esac
        argv_checked=$((argv_checked + 1))
}
argv_checked=0

acl() {
        "$KAFKA_BIN/kafka-acls.sh" --bootstrap-server "$bootstrap" \
                --command-config "$kd/admin.properties" "$@" >>"$work/acls.log" 2>&1 ||
                fail "kafka-acls.sh $* failed: $(grep -v WARN "$work/acls.log" | tail -n 3)"
}

# exit_s NAME: seconds from NAME's first log line to its last.
exit_s() {
        local ts first last
        ts=$(sed -n 's/^ts=\([^ ]*\) .*/\1/p' "$work/$1.err" | sed -n '1p;$p' |
                while read -r t; do date -d "$t" +%s; done | tr '\n' ' ')
        read -r first last <<<"$ts"
        echo $((last - first))
}

# 1. While the topics and the ACLs are made (nothing below needs them):
# SCRAM-SHA-512, and a client that does not trust the test CA (the system
# CAs instead), which must be refused the connection.
for f in badgeproc.conf badgeproc-plain.conf; do
        [ "$(stat -c %a "$kd/$f")" = 600 ] || fail "$f is not mode 600"
done
EOS_CONFIG="$kd/badgeproc.conf" eos_start scram "$work/scram" "${kr_opts[@]}"
EOS_CONFIG="$kd/badgeproc-plain.conf" eos_start badca "$work/badca" "${kr_opts[@]}" \
        kafka.ssl.ca.location=/etc/ssl/certs/ca-certificates.crt
argv_clean scram
argv_clean badca
kr_topics "$prefix" 3 --command-config "$kd/admin.properties"
"$BP_SRC/deploy/kafka/acls.sh" --bootstrap "$bootstrap" --kafka-bin "$KAFKA_BIN" \
        --command-config "$kd/admin.properties" --prefix "$prefix" \
        --group "${prefix}group" >>"$work/acls.log" 2>&1 ||
        fail "acls.sh failed: $(grep -v WARN "$work/acls.log" | tail -n 3)"
echo "  topics and ACLs made after $((SECONDS - t0)) s"
rdkafka=$(pkg-config --modversion rdkafka 2>/dev/null || echo unknown)
if grep -q 'SASL authentication error.*SCRAM-SHA-512' "$work/scram.err"; then
        [ "$rdkafka" = unknown ] || [ "$(printf '%s\n' 2.6.1 "$rdkafka" | sort -V | head -n 1)" != 2.6.1 ] ||
                fail "librdkafka $rdkafka (>= 2.6.1) was refused SCRAM-SHA-512"
        wait_exit scram 60
        [ "$rc" -eq 1 ] || fail "run with refused SCRAM credentials exited $rc, not 1"
        [ "$(exit_s scram)" -le 60 ] || fail "run refused SCRAM took $(exit_s scram) s to stop"
        echo "  SCRAM-SHA-512 refused (librdkafka $rdkafka < 2.6.1, Kafka 4): run exited 1 after $(exit_s scram) s"
        mech=PLAIN
        conf="$kd/badgeproc-plain.conf"
else
        eos_kill scram
        mech=SCRAM-SHA-512
        conf="$kd/badgeproc.conf"
fi
wait_exit badca 60
[ "$rc" -eq 1 ] || fail "run that does not trust the broker's CA exited $rc, not 1"
[ "$(exit_s badca)" -le 60 ] || fail "run with the wrong CA took $(exit_s badca) s to stop"
grep -q 'certificate verify failed' "$work/badca.err" || fail "badca: no 'certificate verify failed' in its log"
echo "  a client without the test CA: certificate verify failed, exit 1 after $(exit_s badca) s"
echo "  from here on SASL/$mech over TLS, the client verifying the broker with the test CA"
admin_x=(-X security.protocol=SASL_SSL -X "sasl.mechanism=$mech" -X sasl.username=admin
        -X "sasl.password=${secrets[0]}" -X "ssl.ca.location=$kd/tls/ca.pem")
produce() {
        "$BP_BIN" produce --brokers "$bootstrap" --input "$1" --topic-prefix "$prefix" \
                --schema-map "$schema_map" "${admin_x[@]}" 2>>"$work/produce.log" ||
                fail "produce $1 failed: $(tail -n 3 "$work/produce.log")"
}
export EOS_CONFIG="$conf"

# 2. With the ACLs: exactly once.
events=3000
"$BP_BIN" gen --events $events --freelancers 300 --seed 41 >"$work/in.jsonl"
eos_oracle "$work/in.jsonl" "$work/want.jsonl" "$work/want.state"
produce "$work/in.jsonl"
opts=("${kr_opts[@]}" batch.max.events=500 commit.interval.ms=100)
eos_start a.1 "$work/a" "${opts[@]}"
argv_clean a.1
eos_wait_offsets "$work/a" $events 90
argv_clean a.1
eos_stop a.1
eos_read "${prefix}badge-events" "$work/got.jsonl" "${admin_x[@]}" -X isolation.level=read_committed
eos_judge "$work/got.jsonl" "$work/want.jsonl"
[ "$eos_dups" -eq 0 ] || fail "$eos_dups duplicates under read_committed"
eos_same_state "$work/want.state" "$work/a"

# 3. One ACL removed at a time, with new input to process.
"$BP_BIN" gen --events 2000 --freelancers 300 --seed 42 >"$work/in2.jsonl"
produce "$work/in2.jsonl"
refused() { # NAME REGEX: NAME stops by itself, exit 1, within 60 s, saying REGEX
        local s=$SECONDS line
        eos_start "$1" "$work/a" "${opts[@]}"
        argv_clean "$1"
        wait_exit "$1" 60
        [ "$rc" -eq 1 ] || fail "$1 exited $rc, not 1"
        line=$(grep -m1 'event=stopped' "$work/$1.err") || fail "$1 logged no event=stopped"
        [[ "$line" =~ $2 ]] || fail "$1's stop does not say /$2/: $line"
        echo "  $1 exited 1 after $((SECONDS - s)) s: ${line#*error=}"
}
acl --remove --force --allow-principal User:badgeproc --operation Write --topic "${prefix}badge-events"
refused a.2 "error=.*Topic authorization failed.*${prefix//./\\.}badge-events"
acl --add --allow-principal User:badgeproc --operation Write --topic "${prefix}badge-events"
acl --remove --force --allow-principal User:badgeproc --operation Read --group "${prefix}group"
refused a.3 "error=.*group ${prefix//./\\.}group: .*Group authorization failed"

# 4. No secret in any log of badgeproc (its runs, produce, consume).
logs=0
for f in "$work"/*.err "$work"/*.out "$work"/produce.log "$work"/consume.log; do
        [ -e "$f" ] || continue
        for s in "${secrets[@]}"; do
                ! grep -qF -- "$s" "$f" || fail "a password is in $(basename "$f")"
        done
        logs=$((logs + 1))
done
echo "  no password in $logs logs, nor on $argv_checked command lines of run"
echo "ok: real Kafka over SASL_SSL ($mech) with the ACLs of acls.sh: exactly once; without one of them run stops (exit 1) naming it; no secret in logs or argv ($((SECONDS - t0)) s)"
