# Helpers shared by the tests/cli/*.sh scripts (sourced, not a test itself: CTest globs
# *.sh only). Creates $WORK, a temporary folder removed on exit, and defines:
#   fail MSG...            prints FAIL and the last expect_rc's stdout and stderr, exits 1
#   expect_rc WANT CMD...  runs CMD with stdout in $WORK/out and stderr in $WORK/err and
#                          fails when its exit code is not WANT (safe under set -e)
#   contains FILE TEXT, lacks FILE TEXT
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() {
    echo "FAIL: $*" >&2
    if [ -f "$WORK/out" ]; then echo "--- stdout" >&2; cat "$WORK/out" >&2; fi
    if [ -f "$WORK/err" ]; then echo "--- stderr" >&2; cat "$WORK/err" >&2; fi
    exit 1
}

expect_rc() {
    local want=$1 rc=0
    shift
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    [ "$rc" -eq "$want" ] || fail "exit $rc, expected $want: $*"
}

contains() {
    grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks '$2'"
}

lacks() {
    if grep -qF -- "$2" "$1"; then fail "$(basename "$1") has '$2'"; fi
}
