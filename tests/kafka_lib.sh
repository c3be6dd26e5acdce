# kafka_lib.sh - shell helpers of the Kafka tool tests (sourced, not run).
#
# mc_start ARGS...  starts `$BP_BIN mock-cluster ARGS` in the background
#                   and sets $bootstrap from its first stdout line (waits
#                   at most 10 s);
# mc_stop           sends SIGTERM and expects exit status 0 within 10 s;
# term_wait PID NAME SECONDS
#                   the same for any process;
# exit_wait PID NAME SECONDS WHAT
#                   waits for a process to exit by itself, sets $exit_rc;
# fail MESSAGE      prints MESSAGE and the cluster's log, exits 1;
# avro_long N, avro_string S
#                   Avro encodings (as printf escapes), for building
#                   records without the codec under test;
# profile, contract, invitation, decision ARGS...
#                   one framed input record on stdout, built with them
#                   (the arguments are listed at each function).
# A trap kills the cluster, every pid listed in $bg_pids, and removes
# $work however the test ends (BP_KEEP_WORK=1 keeps it, for debugging).
set -euo pipefail

: "${BP_BIN:?BP_BIN must name the badgeproc binary}"
: "${BP_SRC:?BP_SRC must name the source tree}"
command -v kcat >/dev/null || { echo "FAIL: kcat is not installed" >&2; exit 1; }

work=$(mktemp -d)
mc_pid=""
bg_pids=() # other background processes to kill on exit
bootstrap=""
schema_map="$BP_SRC/schemas/schema-map.txt"

cleanup() {
        local pid
        for pid in "${bg_pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
        if [ -n "$mc_pid" ]; then kill -KILL "$mc_pid" 2>/dev/null || true; fi
        if [ -n "${BP_KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() {
        echo "FAIL: $*" >&2
        if [ -s "$work/mc.err" ]; then sed 's/^/  mock-cluster: /' "$work/mc.err" >&2; fi
        exit 1
}

mc_start() {
        "$BP_BIN" mock-cluster "$@" >"$work/mc.out" 2>"$work/mc.err" &
        mc_pid=$!
        # Waits for a whole line (its newline), not just a non-empty file.
        for _ in $(seq 100); do
                [ "$(wc -l <"$work/mc.out")" -ge 1 ] && break
                kill -0 "$mc_pid" 2>/dev/null || fail "mock-cluster exited at start"
                sleep 0.1
        done
        bootstrap=$(head -n 1 "$work/mc.out")
        [ -n "$bootstrap" ] ||
                fail "mock-cluster printed no bootstrap line in 10 s (stdout: \"$(head -c 200 "$work/mc.out")\")"
}

# exit_wait PID NAME SECONDS WHAT: waits at most SECONDS for PID to
# exit (failing with "NAME still running SECONDS s after WHAT"), reaps
# it and sets $exit_rc to its exit status.
exit_wait() {
        local pid=$1 name=$2 deadline=$((SECONDS + $3))
        while kill -0 "$pid" 2>/dev/null; do
                [ "$SECONDS" -lt "$deadline" ] || fail "$name still running $3 s after $4"
                sleep 0.05
        done
        set +e
        wait "$pid"
        exit_rc=$?
        set -e
}

# term_wait PID NAME SECONDS: SIGTERM, then expects exit status 0 within
# SECONDS.
term_wait() {
        kill -TERM "$1" 2>/dev/null || true
        exit_wait "$1" "$2" "$3" SIGTERM
        [ "$exit_rc" -eq 0 ] || fail "$2 exit status $exit_rc after SIGTERM"
}

mc_stop() {
        term_wait "$mc_pid" mock-cluster 10
        mc_pid=""
}

avro_long() { # zig-zag varint of $1
        local n=$1 z out=""
        z=$(( (n << 1) ^ (n >> 63) ))
        while (( (z & ~0x7f) != 0 )); do
                out+=$(printf '\\x%02x' $(( (z & 0x7f) | 0x80 )))
                z=$(( (z >> 7) & 0x01ffffffffffffff ))
        done
        out+=$(printf '\\x%02x' "$z")
        printf '%s' "$out"
}
avro_string() { printf '%s%s' "$(avro_long ${#1})" "$1"; }

# frame ID: the Confluent framing of schema id ID (< 256), as escapes.
frame() { printf '\\x00\\x00\\x00\\x00\\x%02x' "$1"; }

# profile EVENT FREELANCER OCCURRED_AT VERSION STATUS COMPLETENESS
#   VISIBILITY ENGLISH JSS: a ProfileUpdated (schema id 1; enums as
#   indexes), of origin NATIVE, no signup partner, no certifications.
profile() {
        printf "$(frame 1)$(avro_string "$1")$(avro_string "$2")$(avro_long "$3")"
        printf "$(avro_long "$4")$(avro_long "$5")$(avro_long "$6")$(avro_long "$7")"
        printf "$(avro_long "$8")$(avro_long 1)$(avro_long "$9")$(avro_long 0)"
        printf "$(avro_long 0)$(avro_long 0)"
}

# contract EVENT FREELANCER OCCURRED_AT CONTRACT SKILL FEEDBACK_BRANCH: a
#   ContractCompleted (schema id 2) with one skill; the feedback_score
#   union branch is written as given (0 is null, there is no other).
contract() {
        printf "$(frame 2)$(avro_string "$1")$(avro_string "$2")$(avro_long "$3")"
        printf "$(avro_string "$4")$(avro_long 1)$(avro_string "$5")$(avro_long 0)"
        printf "$(avro_long "$6")"
}

# invitation EVENT FREELANCER OCCURRED_AT INVITATION PARTNER: an
#   InvitationSent (schema id 3).
invitation() {
        printf "$(frame 3)$(avro_string "$1")$(avro_string "$2")$(avro_long "$3")"
        printf "$(avro_string "$4")$(avro_string "$5")"
}

# decision EVENT FREELANCER OCCURRED_AT PARTNER DECISION DECIDED_BY: a
#   PartnerDecision (schema id 4; enums as indexes), no reason.
decision() {
        printf "$(frame 4)$(avro_string "$1")$(avro_string "$2")$(avro_long "$3")"
        printf "$(avro_string "$4")$(avro_long "$5")$(avro_long "$6")$(avro_long 0)"
}
