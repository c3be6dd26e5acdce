#!/usr/bin/env bash
# test_config_cli.sh - `badgeproc run` refuses a bad configuration from
# outside: exit status 2 and `file:line: message` (or `--set key:`) on
# stderr, at once, for `--print-config` and `run` alike, and without
# connecting anywhere.
#
# The brokers of every config here are a listener of this test's own on
# loopback that writes down each connection it accepts. Refused: topics
# that collide (file and --set), a kafka.* value librdkafka refuses, a
# setting that breaks exactly-once, an empty list of brokers, a secret
# file that is missing; `run` without brokers at all (which
# --print-config accepts). Then secrets: a password read with ${file:}
# and with ${env:} in --set is never printed, and the control case: the
# same config without the collision does connect to the listener, so
# the silence of the refused runs means something.
set -euo pipefail

# shellcheck source=tests/cli_lib.sh
. "${BP_SRC:?BP_SRC must name the source tree}/tests/cli_lib.sh"

# The listener: prints its port, then appends a line to $work/conn for
# every connection.
/usr/bin/python3 -u -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1])
while True:
    c, _ = s.accept()
    with open(sys.argv[1], "a") as f:
        f.write("connected\n")
    c.close()
' "$work/conn" >"$work/port" &
listener=$!
trap 'kill "$listener" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
        [ -s "$work/port" ] && break
        sleep 0.1
done
port=$(cat "$work/port")
[ -n "$port" ] || fail "the listener did not start"

conf="$work/bp.conf"
cat >"$conf" <<EOF
# a config that would run, but for line 3
kafka.bootstrap.servers = 127.0.0.1:$port
topics.dlq = profile-updated
rules.dir = $BP_SRC/deploy/sample/rules
schemas.dir = $BP_SRC/schemas
state.dir = $work/state
metrics.listen = off
EOF
want="$conf:3: topics.dlq: \"profile-updated\" is also topics.profile_updated (default): each of the seven topics.* must name a topic of its own"

# refused WANT ARGS...: run ARGS exits 2 within 5 s, stderr is exactly
# "badgeproc run: WANT", and nothing connected to the listener.
refused() {
        local msg=$1 t0=$SECONDS
        shift
        expect_rc 2 timeout 20 "$BP_BIN" run "$@"
        [ "$((SECONDS - t0))" -le 5 ] || fail "run $* took $((SECONDS - t0)) s to refuse"
        [ "$(cat "$work/err")" = "badgeproc run: $msg" ] ||
                fail "run $*: stderr is \"$(cat "$work/err")\", expected \"badgeproc run: $msg\""
        [ ! -s "$work/conn" ] || fail "run $* connected before refusing"
}

refused "$want" --config "$conf"
refused "$want" --config "$conf" --print-config
sed -i 's/^topics.dlq = .*/# no collision in the file/' "$conf"
refused "--set topics.changelog: \"badge-events\" is also topics.badge_events (default): each of the seven topics.* must name a topic of its own" \
        --config "$conf" --set topics.changelog=badge-events
echo "  colliding topics: exit 2 with the place, nothing connected"

echo "kafka.linger.ms = soon" >>"$conf"
refused "$conf:8: kafka.linger.ms: Invalid value for configuration property \"queue.buffering.max.ms\"" --config "$conf" --print-config
refused "$conf:8: kafka.linger.ms: Invalid value for configuration property \"queue.buffering.max.ms\"" --config "$conf"
sed -i '$d' "$conf"
refused "--set kafka.isolation.level: must be read_committed: records of aborted or open transactions must not be processed (exactly-once depends on it)" \
        --config "$conf" --set kafka.isolation.level=read_uncommitted
refused "--set kafka.bootstrap.servers: must not be empty: name the brokers, host:port[,host:port...]" \
        --config "$conf" --set kafka.bootstrap.servers=
echo "  librdkafka's refusals and unsafe settings: exit 2 before start-up"

# Without brokers: --print-config shows the config, run refuses.
grep -v bootstrap "$conf" >"$work/nobrokers.conf"
expect_rc 0 "$BP_BIN" run --config "$work/nobrokers.conf" --print-config
refused "kafka.bootstrap.servers is not set: name the brokers in the config file or with --set kafka.bootstrap.servers=host:port[,...]" \
        --config "$work/nobrokers.conf"
echo "  no brokers: --print-config works, run exits 2 at once"

# --- secrets
secret=hunter2-$$-pw
(umask 077 && printf '%s\n' "$secret" >"$work/pw")
echo "kafka.sasl.password = \${file:$work/pw}" >>"$conf"
expect_rc 0 "$BP_BIN" run --config "$conf" --print-config
grep -qxF "kafka.sasl.password = [redacted] # from \${file:$work/pw}" "$work/out" ||
        fail "the password read from a file is not shown as redacted: $(grep sasl "$work/out")"
! grep -qF "$secret" "$work/out" "$work/err" || fail "--print-config shows the password"
KAFKA_USER=svc-$$-user expect_rc 0 "$BP_BIN" run --config "$conf" --print-config \
        --set 'kafka.sasl.username=${env:KAFKA_USER}'
grep -qxF 'kafka.sasl.username = [redacted] # from ${env:KAFKA_USER}' "$work/out" ||
        fail "a value read from the environment is not redacted"
! grep -qF "svc-$$-user" "$work/out" || fail "--print-config shows a value from the environment"
rm "$work/pw"
refused "$conf:8: kafka.sasl.password: \${file:$work/pw}: cannot open: No such file or directory" --config "$conf"
sed -i '$d' "$conf"
refused "--set kafka.sasl.username: \${env:BP_UNSET_$$}: not set" \
        --config "$conf" --set "kafka.sasl.username=\${env:BP_UNSET_$$}"
echo "  secrets from \${file:} and \${env:}: redacted; missing ones exit 2"

# The control: the same config, valid, connects to the listener.
"$BP_BIN" run --config "$conf" >"$work/control.out" 2>&1 &
control=$!
for _ in $(seq 100); do
        [ ! -s "$work/conn" ] || break
        sleep 0.1
done
{
        kill -9 "$control"
        wait "$control"
} 2>/dev/null || true
[ -s "$work/conn" ] || fail "the valid config did not connect to the listener in 10 s: $(tail -3 "$work/control.out")"
echo "  control: the valid config connects to the same listener"
echo "PASS: run refuses bad configurations before connecting"
