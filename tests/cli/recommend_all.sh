#!/usr/bin/env bash
# `anirec recommend-all` (CSV, JSONL, threads, atomic output) and
# `anirec recommend --history-file` (one user's file in any format).
source "$(dirname "$0")/recommend_fixture.bash"
M="$WORK/m.safetensors"

expect_rc 0 "$ANIREC" recommend-all --model "$M" -k 4 -o "$WORK/recs.csv" --threads 2
contains "$WORK/err" "recommend-all: 60 users, top 4 each"
[ "$(head -1 "$WORK/recs.csv")" = "user_id,rank,anime_id,score,title" ] || fail "CSV header"
[ "$(wc -l <"$WORK/recs.csv")" -eq 241 ] || fail "CSV should have 60 x 4 rows + header"
contains "$WORK/recs.csv" "1,1,"
# The same top-1 as `recommend --user` for one user.
expect_rc 0 "$ANIREC" recommend --model "$M" --user 12 -k 1 --json
top=$(grep -o '"id": "[^"]*"' "$WORK/out" | tail -1 | cut -d'"' -f4)
grep -q "^12,1,$top," "$WORK/recs.csv" || fail "recommend-all and recommend disagree for user 12 ($top)"
# Any thread count gives the same bytes.
expect_rc 0 "$ANIREC" recommend-all --model "$M" -k 4 -o "$WORK/recs1.csv" --threads 1
cmp -s "$WORK/recs.csv" "$WORK/recs1.csv" || fail "--threads 1 and 2 differ"

expect_rc 0 "$ANIREC" recommend-all --model "$M" --data "$WORK/d.anirec" -k 3 -o "$WORK/recs.jsonl" --quiet
[ "$(wc -l <"$WORK/recs.jsonl")" -eq 60 ] || fail "JSONL should have one line per user"
contains "$WORK/recs.jsonl" '{"user":"1","items":[{"rank":1,"id":"'
[ ! -s "$WORK/err" ] || fail "--quiet printed something"

# Bad output name and bad k leave no file behind.
expect_rc 2 "$ANIREC" recommend-all --model "$M" -k 3 -o "$WORK/recs.txt"
[ ! -e "$WORK/recs.txt" ] || fail "a file was written for a bad -o"
expect_rc 2 "$ANIREC" recommend-all --model "$M" -k 0 -o "$WORK/bad.csv"
[ ! -e "$WORK/bad.csv" ] || fail "a file was written for a bad k"

# --history-file: one user's ratings file (any format the ingest API reads).
{
    echo "user_id,anime_id,rating,timestamp"
    echo "me,16498,9,1600000001"
    echo "me,9253,10,1600000002"
    echo "me,999999,8,1600000003"   # unknown to the model: skipped with a note
} >"$WORK/mine.csv"
expect_rc 0 "$ANIREC" recommend --model "$M" --history-file "$WORK/mine.csv" -k 3 --json
contains "$WORK/out" '"history_len": 2'
contains "$WORK/err" "1 of 3 animes"
# Several users: --user picks one, else exit 1.
expect_rc 1 "$ANIREC" recommend --model "$M" --history-file "$WORK/ratings.csv" -k 3
contains "$WORK/err" "pick one with --user"
expect_rc 0 "$ANIREC" recommend --model "$M" --history-file "$WORK/ratings.csv" --user 5 -k 3
contains "$WORK/out" "of $WORK/ratings.csv"
expect_rc 1 "$ANIREC" recommend --model "$M" --history-file "$WORK/ratings.csv" --user 999 -k 3
contains "$WORK/err" "no user '999'"
echo "recommend_all: ok"
