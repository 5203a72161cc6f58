#!/usr/bin/env bash
# `anirec stats`: readable text by default, JSON with --json, the order verdict said
# loudly, bad lines with their line numbers; the same report for a raw file and its
# dataset file.
set -uo pipefail
anirec=$1
fix="$(cd "$(dirname "$0")/../fixtures/data" && pwd)"
source "$(dirname "$0")/lib.bash"

"$anirec" stats "$fix/kaggle2017_rating.csv" --meta "$fix/meta_kaggle2017_anime.csv" > "$WORK/t.txt" \
    || fail "stats exit $?"
for want in "!!! ORDER: sorted-by-item-id !!!" "leave-one-out" "5 users, 10 items, 16 interactions" \
            "sequence length: min 1, median 4, p90 4, max 4" "popularity: the top 1% of items" \
            "ids in the ratings missing from the metadata: 6" "metadata items never rated: 4" \
            "7 watched but not rated"; do
    grep -qF "$want" "$WORK/t.txt" || fail "missing '$want' in: $(cat "$WORK/t.txt")"
done

"$anirec" stats "$fix/bad_unterminated_quote.csv" > "$WORK/b.txt" || fail "stats on bad file"
grep -qF "unterminated quote: 1 (line 3)" "$WORK/b.txt" || fail "bad lines: $(cat "$WORK/b.txt")"
grep -qF "bad quoting: 1 (line 5)" "$WORK/b.txt" || fail "bad quoting: $(cat "$WORK/b.txt")"

"$anirec" stats "$fix/ml_ratings.dat" --json > "$WORK/ml.json" || fail "stats --json"
"$anirec" prepare "$fix/ml_ratings.dat" -o "$WORK/ml.anirec" -q || fail "prepare"
"$anirec" stats "$WORK/ml.anirec" --json > "$WORK/ml2.json" || fail "stats on dataset file"
python3 - "$WORK/ml.json" "$WORK/ml2.json" <<'PY' || fail "json checks"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert a["order"]["kind"] == "timestamp" and a["order"]["chronological"], a["order"]
assert a["dataset"]["users"] == 2 and a["dataset"]["interactions"] == 8
assert a == b, "raw file and dataset file reports differ"
PY

# Reading flags do not apply to a dataset file: a usage error, not silently ignored.
"$anirec" stats "$WORK/ml.anirec" --min-rating 4 2> "$WORK/err"; rc=$?
[ $rc -eq 2 ] || fail "reading flag on a dataset file exit $rc"
grep -q "does not apply to a dataset file" "$WORK/err" || fail "message: $(cat "$WORK/err")"

"$anirec" stats "$fix/empty.csv" 2> "$WORK/err"; rc=$?
[ $rc -eq 1 ] || fail "empty file exit $rc"
"$anirec" stats 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "no input exit $rc"

# A real file, when the shared data is here.
shared=${2:-}
if [ -n "$shared" ] && [ -f "$shared/ml-100k/u.data" ]; then
    "$anirec" stats "$shared/ml-100k/u.data" --json > "$WORK/u.json" || fail "stats u.data"
    python3 - "$WORK/u.json" <<'PY' || fail "u.data counts"
import json, sys
r = json.load(open(sys.argv[1]))
assert (r["dataset"]["users"], r["dataset"]["items"], r["dataset"]["interactions"]) == (943, 1682, 100000), r["dataset"]
assert r["order"]["kind"] == "timestamp"
PY
fi
echo "ok"
