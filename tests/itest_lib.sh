# itest_lib.sh - shell helpers of the runtime integration tests (sourced,
# not run), on top of kafka_lib.sh (mock cluster, fail, cleanup trap).
#
# The tests run `badgeproc run` against a cluster started by
# `badgeproc mock-cluster` and judge what it published by comparing it
# with `badgeproc replay` of the same input: the replay is the oracle.
# Every wait is bounded; on failure the runner's log tail is printed and
# the trap kills the runner and the cluster.
#
# run_start NAME [key=value ...]
#                  starts `badgeproc run` in the background (log in
#                  $work/NAME.err, pid in $run_pid) on $bootstrap, with
#                  rules.dir=$run_rules, state.dir=$run_state, metrics off
#                  (unless a metrics.listen follows), a progress log line every 100 ms and a 6 s session
#                  timeout (after a member leaves, the mock cluster holds
#                  the group's next join for the session timeout less one
#                  second: 44 s by default); more --set overrides may
#                  follow;
# run_count FIELD  the runner's last reported counter FIELD (applied,
#                  dead_lettered, granted, revoked, batches, aborted);
# run_wait FIELD N SECONDS
#                  waits until run_count FIELD >= N; fails if the runner
#                  dies or the time runs out;
# run_wait_log PATTERN N SECONDS
#                  waits until N lines of the runner's log match PATTERN
#                  (grep -E); fails if it dies or the time runs out;
# run_stop         SIGTERM; expects exit status 0 within 30 s and prints
#                  the runner's last line (its totals);
# run_rss          the runner's resident set size in KiB;
# read_topic TOPIC FILE
#                  `badgeproc consume` of TOPIC from the beginning to its
#                  end, as JSON lines;
# replay_of RULES INPUT FILE
#                  the oracle: `badgeproc replay` of INPUT under RULES;
# same_events GOT WANT
#                  GOT (badge events read from Kafka) equals WANT (a
#                  replay): the same events with the same fields but
#                  `cause` (Kafka's coordinates differ by design), in the
#                  same order per freelancer, none missing, none extra;
#                  prints the counts.
# gen_produce EVENTS FREELANCERS
#                  `badgeproc gen` of EVENTS events over FREELANCERS into
#                  $work/events.jsonl, produced to the cluster;
# rules_without_certifications DIR
#                  copies tests/data/rules-gen into DIR less its
#                  certification requirements: a re-evaluation judges
#                  expiry at the time of the reload, a replay (or
#                  what-if) at each event's time, and the generator's
#                  certifications expire within a day of its (fixed)
#                  event times, so with them the two would differ for
#                  reasons that have nothing to do with a rules change
#                  (hooli's only requirement is a certification: hooli
#                  gets no rules file);
# need_boot_id     sets $boot_id, or skips the test (exit 77) where the
#                  boot cannot be told: the store then syncs every write
#                  and writes no `unsynced` marker.
# For debugging: BP_WRAP (e.g. "strace -f -o FILE") prefixes the runner's
# command (the trap then kills the wrapper, and a wrapper that does not
# pass the signal on leaves the runner behind); BP_KEEP_WORK=1 keeps
# $work (kafka_lib.sh).
. "$(dirname "${BASH_SOURCE[0]}")/kafka_lib.sh"
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }

run_rules="$BP_SRC/tests/data/rules-gen"
run_state="$work/state"
run_pid=""
run_name=""

# The runner's log tail helps more than the cluster's when a test fails.
fail() {
        echo "FAIL: $*" >&2
        if [ -n "$run_name" ] && [ -s "$work/$run_name.err" ]; then
                tail -n 20 "$work/$run_name.err" | cut -c1-300 |
                        sed "s/^/  $run_name: /" >&2
        fi
        if [ -s "$work/mc.err" ]; then tail -n 20 "$work/mc.err" | sed 's/^/  mock-cluster: /' >&2; fi
        exit 1
}

run_start() {
        local kv sets=() metrics=metrics.listen=off
        run_name=$1
        shift
        # run refuses a key given twice
        for kv in "$@"; do [ "${kv%%=*}" != metrics.listen ] || metrics=""; done
        for kv in "kafka.bootstrap.servers=$bootstrap" "rules.dir=$run_rules" \
                "state.dir=$run_state" $metrics \
                stats.interval.ms=100 kafka.session.timeout.ms=6000 "$@"; do
                sets+=(--set "$kv")
        done
        # From the source tree: the codec finds schemas/schema-map.txt
        # relative to the working directory.
        (cd "$BP_SRC" && exec ${BP_WRAP:-} "$BP_BIN" run "${sets[@]}") \
                >"$work/$run_name.out" 2>"$work/$run_name.err" &
        run_pid=$!
        bg_pids+=("$run_pid")
        : >>"$work/$run_name.err" # run_count may look before the runner writes
}

run_count() {
        local v
        v=$(grep -E 'event=(progress|stopped) ' "$work/$run_name.err" |
                tail -n 1 | sed -nE "s/.* $1=([0-9]+).*/\1/p")
        echo "${v:-0}"
}

run_wait() {
        local field=$1 want=$2 deadline=$((SECONDS + $3))
        while [ "$(run_count "$field")" -lt "$want" ]; do
                kill -0 "$run_pid" 2>/dev/null || fail "runner exited while waiting for $field=$want"
                [ "$SECONDS" -lt "$deadline" ] ||
                        fail "runner reached $field=$(run_count "$field"), not $want, in $3 s"
                sleep 0.05
        done
}

run_wait_log() {
        local deadline=$((SECONDS + $3))
        until [ "$(grep -cE "$1" "$work/$run_name.err")" -ge "$2" ]; do
                kill -0 "$run_pid" 2>/dev/null || fail "runner exited while waiting for $2 lines of $1"
                [ "$SECONDS" -lt "$deadline" ] || fail "no $2 lines of $1 in the runner's log in $3 s"
                sleep 0.05
        done
}

run_stop() {
        term_wait "$run_pid" runner 30
        grep 'event=stopped ' "$work/$run_name.err" | sed -E 's/^ts=[^ ]+ //' |
                sed "s/^/  $run_name: /"
}

run_rss() {
        sed -nE 's/^VmRSS:[[:space:]]+([0-9]+) kB/\1/p' "/proc/$run_pid/status"
}

read_topic() {
        timeout 60 "$BP_BIN" consume --brokers "$bootstrap" --topic "$1" \
                --from-beginning --exit-at-end --schema-map "$schema_map" \
                >"$2" 2>"$work/consume.err" ||
                fail "consume $1 failed: $(cat "$work/consume.err")"
}

replay_of() {
        timeout 60 "$BP_BIN" replay --rules "$1" --input "$2" --quiet >"$3" ||
                fail "replay of $2 failed"
}

# One line per event, grouped by freelancer in their published order.
by_freelancer() {
        jq -r '"\(.freelancer_id)\t\(del(.cause) | tojson)"' "$1" |
                sort -s -t "$(printf '\t')" -k1,1
}

same_events() {
        local got=$1 want=$2 n dups
        by_freelancer "$got" >"$work/same.got"
        by_freelancer "$want" >"$work/same.want"
        n=$(wc -l <"$work/same.got")
        dups=$(jq -r .event_id "$got" | sort | uniq -d | wc -l)
        if ! cmp -s "$work/same.got" "$work/same.want"; then
                jq -r .event_id "$got" | sort >"$work/same.got.ids"
                jq -r .event_id "$want" | sort >"$work/same.want.ids"
                echo "missing: $(comm -13 "$work/same.got.ids" "$work/same.want.ids" | wc -l)," \
                        "extra: $(comm -23 "$work/same.got.ids" "$work/same.want.ids" | wc -l)," \
                        "repeated: $dups" >&2
                diff "$work/same.want" "$work/same.got" | head -n 10 >&2 || true
                fail "published events differ from the replay ($n published, $(wc -l <"$work/same.want") expected)"
        fi
        echo "  $n badge events over $(cut -f1 "$work/same.got" | sort -u | wc -l) freelancers equal the replay (repeated: $dups)"
}

gen_produce() {
        "$BP_BIN" gen --events "$1" --freelancers "$2" >"$work/events.jsonl"
        timeout 60 "$BP_BIN" produce --brokers "$bootstrap" --input "$work/events.jsonl" \
                --schema-map "$schema_map" 2>"$work/produce.err" ||
                fail "produce failed: $(cat "$work/produce.err")"
}

rules_without_certifications() {
        cp -r "$BP_SRC/tests/data/rules-gen" "$1"
        rm "$1/hooli.yaml"
        sed -i '/certification:/d' "$1/acme.yaml"
}

need_boot_id() {
        boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null) || {
                echo "SKIP: /proc/sys/kernel/random/boot_id is not readable here"
                exit 77
        }
}
