#!/usr/bin/env bash
# `anirec prepare`: writes a dataset file; exit codes 0 / 1 (runtime error naming
# file:line) / 2 (usage); nothing is written when it fails.
set -uo pipefail
anirec=$1
fix="$(cd "$(dirname "$0")/../fixtures/data" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$anirec" prepare "$fix/kaggle2017_rating.csv" --meta "$fix/meta_kaggle2017_anime.csv" -o "$tmp/k.anirec" \
    > "$tmp/out" 2>&1 || fail "prepare exited $?: $(cat "$tmp/out")"
[ -s "$tmp/k.anirec" ] || fail "no dataset file written"
grep -q "5 users, 10 items, 16 interactions" "$tmp/out" || fail "summary: $(cat "$tmp/out")"
grep -q "WARNING: the sequences are not in watch order" "$tmp/out" || fail "no order warning: $(cat "$tmp/out")"
[ "$(head -c 8 "$tmp/k.anirec")" = "ANIRECDS" ] || fail "bad magic"

# Filters are applied and recorded.
"$anirec" prepare "$fix/kaggle2017_rating.csv" -o "$tmp/f.anirec" --drop-unrated --min-rating 7 -q \
    || fail "prepare with filters"
"$anirec" stats "$tmp/f.anirec" --json > "$tmp/f.json" || fail "stats on dataset file"
python3 - "$tmp/f.json" <<'PY' || fail "filtered stats"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["dataset"]["interactions"] == 6, r["dataset"]
assert [s["name"] for s in r["ingest"]["filters"]] == ["read", "unrated", "min-rating"], r["ingest"]["filters"]
assert r["ingest"]["options"]["min_rating"] == 7
PY

# --strict: the first bad line is fatal, exit 1, one line naming file:line and field.
"$anirec" prepare "$fix/bad_nonnumeric_ids.csv" -o "$tmp/b.anirec" --strict 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "strict exit $rc"
grep -q "bad_nonnumeric_ids.csv:3: non-numeric or bad user id (field 'user_id' = 'abc')" "$tmp/err" \
    || fail "strict message: $(cat "$tmp/err")"
[ ! -e "$tmp/b.anirec" ] || fail "file written despite the error"

# Without --strict the bad lines are skipped and counted.
"$anirec" prepare "$fix/bad_nonnumeric_ids.csv" -o "$tmp/b.anirec" > "$tmp/out" 2>&1 || fail "lenient prepare"
grep -q "3 bad lines skipped" "$tmp/out" || fail "bad lines not reported: $(cat "$tmp/out")"

# Runtime errors: exit 1.
"$anirec" prepare "$tmp/missing.csv" -o "$tmp/m.anirec" 2> "$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "missing file exit $rc"
grep -q "missing.csv: cannot open" "$tmp/err" || fail "missing message: $(cat "$tmp/err")"
"$anirec" prepare "$fix/empty.csv" -o "$tmp/e.anirec" 2> "$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "empty file exit $rc"
grep -q "empty.csv: file is empty" "$tmp/err" || fail "empty message: $(cat "$tmp/err")"
"$anirec" prepare "$fix/header_only.csv" -o "$tmp/h.anirec" 2> "$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "header-only exit $rc"
[ ! -e "$tmp/h.anirec" ] || fail "header-only wrote a file"

# Usage errors: exit 2.
"$anirec" prepare "$fix/kaggle2017_rating.csv" 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "missing -o exit $rc"
"$anirec" prepare "$fix/kaggle2017_rating.csv" -o "$tmp/x" --repeats sometimes 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "bad --repeats exit $rc"
"$anirec" prepare "$fix/kaggle2017_rating.csv" -o "$tmp/x" --format parquet 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "bad --format exit $rc"
"$anirec" prepare "$fix/sasrec.txt" -o "$tmp/x" --min-rating 3 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "--min-rating without ratings exit $rc"
"$anirec" prepare "$fix/generic_named.csv" -o "$tmp/x" 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "generic without --user-col exit $rc"
grep -q "use --user-col" "$tmp/err" || fail "generic message: $(cat "$tmp/err")"

# Generic columns by flag.
"$anirec" prepare "$fix/generic_named.csv" -o "$tmp/g.anirec" --user-col who --item-col what \
    --rating-col stars --time-col when -q || fail "generic with flags"
echo "ok"
