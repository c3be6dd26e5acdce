# shellcheck shell=bash
# cli_lib.sh - shell helpers of the tests that drive badgeproc's file
# tools from outside (sourced, not run): a work directory removed on exit,
# one failure path, and expect_rc for exit statuses.
: "${BP_BIN:?BP_BIN must name the badgeproc binary}"
: "${BP_SRC:?BP_SRC must name the source tree}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_rc N CMD...: runs CMD, stdout to $work/out and stderr to
# $work/err, fails unless it exits with N (showing the start of stderr).
expect_rc() {
        local want=$1 rc=0
        shift
        "$@" >"$work/out" 2>"$work/err" || rc=$?
        [ "$rc" -eq "$want" ] ||
                fail "$* exited $rc, expected $want: $(head -c 2000 "$work/err")"
}
