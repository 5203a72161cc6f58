#!/usr/bin/env bash
# `anirec prepare`: writes a dataset file; exit codes 0 / 1 (runtime error naming
# file:line) / 2 (usage); nothing is written when it fails.
set -uo pipefail
anirec=$1
fix="$(cd "$(dirname "$0")/../fixtures/data" && pwd)"
source "$(dirname "$0")/lib.bash"

"$anirec" prepare "$fix/kaggle2017_rating.csv" --meta "$fix/meta_kaggle2017_anime.csv" -o "$WORK/k.anirec" \
    > "$WORK/out" 2>&1 || fail "prepare exited $?: $(cat "$WORK/out")"
[ -s "$WORK/k.anirec" ] || fail "no dataset file written"
grep -q "5 users, 10 items, 16 interactions" "$WORK/out" || fail "summary: $(cat "$WORK/out")"
grep -q "WARNING: the sequences are not in watch order" "$WORK/out" || fail "no order warning: $(cat "$WORK/out")"
[ "$(head -c 8 "$WORK/k.anirec")" = "ANIRECDS" ] || fail "bad magic"

# Filters are applied and recorded.
"$anirec" prepare "$fix/kaggle2017_rating.csv" -o "$WORK/f.anirec" --drop-unrated --min-rating 7 -q \
    || fail "prepare with filters"
"$anirec" stats "$WORK/f.anirec" --json > "$WORK/f.json" || fail "stats on dataset file"
python3 - "$WORK/f.json" <<'PY' || fail "filtered stats"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["dataset"]["interactions"] == 6, r["dataset"]
assert [s["name"] for s in r["ingest"]["filters"]] == ["read", "unrated", "min-rating"], r["ingest"]["filters"]
assert r["ingest"]["options"]["min_rating"] == 7
PY

# --strict: the first bad line is fatal, exit 1, one line naming file:line and field.
"$anirec" prepare "$fix/bad_nonnumeric_ids.csv" -o "$WORK/b.anirec" --strict 2> "$WORK/err"
rc=$?
[ $rc -eq 1 ] || fail "strict exit $rc"
grep -q "bad_nonnumeric_ids.csv:3: non-numeric or bad user id (field 'user_id' = 'abc')" "$WORK/err" \
    || fail "strict message: $(cat "$WORK/err")"
[ ! -e "$WORK/b.anirec" ] || fail "file written despite the error"

# Without --strict the bad lines are skipped and counted.
"$anirec" prepare "$fix/bad_nonnumeric_ids.csv" -o "$WORK/b.anirec" > "$WORK/out" 2>&1 || fail "lenient prepare"
grep -q "3 bad lines skipped" "$WORK/out" || fail "bad lines not reported: $(cat "$WORK/out")"

# Runtime errors: exit 1.
"$anirec" prepare "$WORK/missing.csv" -o "$WORK/m.anirec" 2> "$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "missing file exit $rc"
grep -q "missing.csv: cannot open" "$WORK/err" || fail "missing message: $(cat "$WORK/err")"
"$anirec" prepare "$fix/empty.csv" -o "$WORK/e.anirec" 2> "$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "empty file exit $rc"
grep -q "empty.csv: file is empty" "$WORK/err" || fail "empty message: $(cat "$WORK/err")"
"$anirec" prepare "$fix/header_only.csv" -o "$WORK/h.anirec" 2> "$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "header-only exit $rc"
[ ! -e "$WORK/h.anirec" ] || fail "header-only wrote a file"

# Usage errors: exit 2.
"$anirec" prepare "$fix/kaggle2017_rating.csv" 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "missing -o exit $rc"
"$anirec" prepare "$fix/kaggle2017_rating.csv" -o "$WORK/x" --repeats sometimes 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "bad --repeats exit $rc"
"$anirec" prepare "$fix/kaggle2017_rating.csv" -o "$WORK/x" --format parquet 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "bad --format exit $rc"
"$anirec" prepare "$fix/sasrec.txt" -o "$WORK/x" --min-rating 3 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "--min-rating without ratings exit $rc"
"$anirec" prepare "$fix/generic_named.csv" -o "$WORK/x" 2> "$WORK/err"; rc=$?
[ $rc -eq 2 ] || fail "generic without --user-col exit $rc"
grep -q "use --user-col" "$WORK/err" || fail "generic message: $(cat "$WORK/err")"

# Generic columns by flag.
"$anirec" prepare "$fix/generic_named.csv" -o "$WORK/g.anirec" --user-col who --item-col what \
    --rating-col stars --time-col when -q || fail "generic with flags"
echo "ok"
