# eos_lib.sh - shell helpers of the exactly-once tests (sourced, not run),
# on top of kafka_lib.sh (mock cluster, fail, cleanup trap).
#
# The tests run `badgeproc run` instances against a cluster and judge what
# they published with `badgeproc replay` of the same input as the oracle.
# Every wait is bounded; a failure prints the instances' log tails.
#
# eos_start NAME STATE_DIR [key=value ...]
#                 starts `badgeproc run` in the background (log in
#                 $work/NAME.err, pid in ${eos_pid[NAME]}) as instance.id
#                 NAME up to its first dot (a.1, a.2: incarnations of a)
#                 on $bootstrap with rules.dir=$eos_rules,
#                 state.dir=STATE_DIR, metrics off and a short group
#                 session (a killed member leaves the group in 3.5 s; the
#                 mock's 3 s first-join delay needs more than 3 s); more
#                 settings may follow, a later one replacing an earlier
#                 one of the same key (run refuses a key given twice);
#                 with EOS_CONFIG=FILE, `--config FILE` comes first (for
#                 secrets, which must not be on a command line);
# eos_wait_log NAME REGEX SECONDS
#                 waits until NAME's log has a line matching REGEX;
# eos_stop NAME   SIGTERM; expects exit status 0 within 30 s;
# eos_kill NAME   SIGKILL, and reaps it;
# eos_read TOPIC FILE [ARGS...]
#                 `badgeproc consume` of TOPIC from the beginning to its
#                 end, more consume options after;
# eos_offsets_sum STATE_DIR...
#                 per partition the furthest checkpoint among the stores,
#                 its input offsets summed, then summed over partitions:
#                 with the mock's contiguous offsets, the number of input
#                 records whose effects the stores hold;
# eos_wait_offsets STATE_DIR... N SECONDS
#                 waits until that reaches N (all input applied);
# eos_oracle INPUT EVENTS STATES
#                 replays INPUT: badge events to EVENTS, states to STATES;
# eos_judge GOT WANT
#                 GOT (badge events read from Kafka, repeats allowed) against
#                 WANT (the replay): no event missing, none unexpected, every
#                 repeat byte-identical (cause aside) to the first delivery,
#                 and per freelancer the first deliveries in the replay's
#                 order. Prints the counts; sets $eos_dups;
# eos_same_state WANT DIR...
#                 `badgeproc state dump` of each partition, from the store
#                 that got furthest in it, equals WANT (a replay's
#                 --state-out), as sets of lines.
. "$(dirname "${BASH_SOURCE[0]}")/kafka_lib.sh"
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }

eos_rules="$BP_SRC/tests/data/rules-gen"
declare -A eos_pid=()
eos_dups=0

fail() {
        local f
        echo "FAIL: $*" >&2
        for f in "$work"/*.err; do
                [ -s "$f" ] || continue
                echo "  --- $(basename "$f")" >&2
                tail -n 12 "$f" | cut -c1-300 | sed 's/^/  /' >&2
        done
        # EOS_KEEP=DIR keeps the logs, stores and data for a post-mortem.
        if [ -n "${EOS_KEEP:-}" ]; then cp -a "$work" "$EOS_KEEP"; fi
        exit 1
}

eos_start() {
        local name=$1 dir=$2 kv key sets=() keys=()
        local -A value=()
        shift 2
        for kv in "kafka.bootstrap.servers=$bootstrap" "rules.dir=$eos_rules" \
                "state.dir=$dir" metrics.listen=off "instance.id=${name%%.*}" \
                kafka.session.timeout.ms=3500 kafka.heartbeat.interval.ms=300 \
                "$@"; do
                key=${kv%%=*}
                [ -n "${value[$key]+set}" ] || keys+=("$key")
                value[$key]=${kv#*=}
        done
        for key in "${keys[@]}"; do sets+=(--set "$key=${value[$key]}"); done
        [ -z "${EOS_CONFIG:-}" ] || sets=(--config "$EOS_CONFIG" "${sets[@]}")
        # From the source tree: the codec finds schemas/schema-map.txt
        # relative to the working directory.
        (cd "$BP_SRC" && exec "$BP_BIN" run "${sets[@]}") \
                >>"$work/$name.out" 2>>"$work/$name.err" &
        eos_pid[$name]=$!
        bg_pids+=("$!") # killed by kafka_lib.sh's trap
}

eos_wait_log() {
        local name=$1 re=$2 deadline=$((SECONDS + $3))
        until grep -qE "$re" "$work/$name.err" 2>/dev/null; do
                kill -0 "${eos_pid[$name]}" 2>/dev/null || fail "$name exited while waiting for /$re/"
                [ "$SECONDS" -lt "$deadline" ] || fail "$name: no /$re/ in $3 s"
                sleep 0.05
        done
}

eos_stop() {
        term_wait "${eos_pid[$1]}" "$1" 30
}

eos_read() {
        local topic=$1 out=$2
        shift 2
        timeout 150 "$BP_BIN" consume --brokers "$bootstrap" --topic "$topic" \
                --from-beginning --exit-at-end --schema-map "$schema_map" \
                "$@" >"$out" 2>"$work/consume.log" ||
                fail "consume $1 failed: $(cat "$work/consume.log")"
}

eos_kill() {
        kill -KILL "${eos_pid[$1]}" 2>/dev/null || true
        wait "${eos_pid[$1]}" 2>/dev/null || true
}

# Every store's checkpoints, one JSON line each, with its directory.
eos_checkpoints() {
        local dir
        for dir in "$@"; do
                [ -e "$dir/data.mdb" ] || continue
                "$BP_BIN" state offsets --state-dir "$dir" --schema-map "$schema_map" |
                        jq -c --arg dir "$dir" '. + {dir: $dir}'
        done
}

eos_offsets_sum() {
        eos_checkpoints "$@" | jq -s 'group_by(.partition) |
                map(map([.input_offsets[] | select(. > 0)] | add // 0) | max) |
                add // 0'
}

eos_wait_offsets() {
        local args=("$@") n secs deadline sum
        secs=${args[-1]}
        n=${args[-2]}
        deadline=$((SECONDS + secs))
        while :; do
                sum=$(eos_offsets_sum "${args[@]:0:${#args[@]}-2}")
                [ "$sum" -ge "$n" ] && return 0
                [ "$SECONDS" -lt "$deadline" ] || fail "stores hold $sum of $n input records after $secs s"
                sleep 0.2
        done
}

# Per partition, the state of the store that got furthest in it.
eos_dump_latest() {
        local p dir
        eos_checkpoints "$@" | jq -rs 'group_by(.partition)[] |
                max_by(.changelog_offset) | "\(.partition) \(.dir)"' |
                while read -r p dir; do
                        "$BP_BIN" state dump --partition "$p" --state-dir "$dir" \
                                --schema-map "$schema_map" || fail "state dump of $dir failed"
                done
}

eos_oracle() {
        timeout 120 "$BP_BIN" replay --rules "$eos_rules" --input "$1" --quiet \
                --state-out "$3" >"$2" || fail "replay of $1 failed"
}

eos_judge() {
        local got=$1 want=$2 n missing extra bad
        # One line per delivery: event_id, then the event without cause.
        jq -c '[.event_id, (del(.cause))]' "$got" >"$work/judge.got"
        jq -c '[.event_id, (del(.cause))]' "$want" >"$work/judge.want"
        n=$(wc -l <"$work/judge.got")
        jq -r '.[0]' "$work/judge.got" | sort | uniq -d >"$work/judge.dupids"
        eos_dups=$(( n - $(jq -r '.[0]' "$work/judge.got" | sort -u | wc -l) ))
        # Every repeat is the same bytes as the first delivery.
        bad=$(sort -u "$work/judge.got" | jq -r '.[0]' | sort | uniq -d | wc -l)
        # First deliveries, in published order.
        awk '!seen[$0]++' "$work/judge.got" >"$work/judge.first"
        jq -r '.[0]' "$work/judge.first" | sort >"$work/judge.got.ids"
        jq -r '.[0]' "$work/judge.want" | sort >"$work/judge.want.ids"
        missing=$(comm -13 "$work/judge.got.ids" "$work/judge.want.ids" | wc -l)
        extra=$(comm -23 "$work/judge.got.ids" "$work/judge.want.ids" | wc -l)
        echo "  published $n, expected $(wc -l <"$work/judge.want"), missing $missing," \
                "unexpected $extra, duplicates $eos_dups ($(wc -l <"$work/judge.dupids") events), differing repeats $bad"
        [ "$missing" -eq 0 ] || fail "$missing expected events missing, e.g. $(comm -13 "$work/judge.got.ids" "$work/judge.want.ids" | head -n 3 | tr '\n' ' ')"
        [ "$extra" -eq 0 ] || fail "$extra unexpected events, e.g. $(comm -23 "$work/judge.got.ids" "$work/judge.want.ids" | head -n 3 | tr '\n' ' ')"
        [ "$bad" -eq 0 ] || fail "$bad events published twice with different content"
        # Per freelancer, the replay's order.
        jq -r '"\(.[1].freelancer_id)\t\(.)"' "$work/judge.first" |
                sort -s -t "$(printf '\t')" -k1,1 >"$work/judge.got.order"
        jq -r '"\(.[1].freelancer_id)\t\(.)"' "$work/judge.want" |
                sort -s -t "$(printf '\t')" -k1,1 >"$work/judge.want.order"
        cmp -s "$work/judge.got.order" "$work/judge.want.order" ||
                fail "a freelancer's events are not in the replay's order: $(diff "$work/judge.want.order" "$work/judge.got.order" | head -n 4)"
}

eos_same_state() {
        local want=$1
        shift
        eos_dump_latest "$@" | sort >"$work/state.got"
        sort "$want" >"$work/state.want"
        if ! cmp -s "$work/state.got" "$work/state.want"; then
                diff "$work/state.want" "$work/state.got" | head -n 6 | cut -c1-300 >&2
                fail "the stores ($(wc -l <"$work/state.got") freelancers) differ from the replay's state ($(wc -l <"$work/state.want"))"
        fi
        echo "  state of $(wc -l <"$work/state.got") freelancers equals the replay's"
}
