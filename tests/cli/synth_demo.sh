#!/usr/bin/env bash
# `anirec synth` end to end: the demo preset writes both files in the documented shapes,
# the same seed gives the same bytes (whatever the thread count), flags override a preset,
# bad values exit 2 with usage, and an output that cannot be created exits 1.
# usage: synth_demo.sh <path-to-anirec> [shared-data-dir (unused)]
set -u
anirec=${1:?usage: synth_demo.sh <path-to-anirec>}
source "$(dirname "$0")/lib.bash"
data_lines() { echo $(($(wc -l <"$1") - 1)); }

# --- the demo preset -------------------------------------------------------------
expect_rc 0 "$anirec" synth --preset demo -o "$WORK/a"
[ -s "$WORK/a/ratings.csv" ] && [ -s "$WORK/a/anime.csv" ] || fail "demo: files missing"
[ "$(head -1 "$WORK/a/ratings.csv")" = "user_id,anime_id,rating,timestamp" ] || fail "demo: ratings header"
[ "$(head -1 "$WORK/a/anime.csv")" = "anime_id,name,genre,type,episodes,rating,members" ] || fail "demo: anime header"
rows=$(data_lines "$WORK/a/ratings.csv")
[ "$rows" -gt 100000 ] || fail "demo: only $rows rows"
grep -q "$rows ratings" "$WORK/out" || fail "demo: summary does not give the row count $rows"
[ "$(data_lines "$WORK/a/anime.csv")" -eq 1500 ] || fail "demo: anime.csv is not 1500 animes"
users=$(tail -n +2 "$WORK/a/ratings.csv" | cut -d, -f1 | uniq | wc -l)
[ "$users" -eq 4000 ] || fail "demo: $users users, not 4000 (or rows not grouped by user)"
awk -F, 'NR > 1 && (NF != 4 || $3 < 1 || $3 > 10) { print "bad row " NR ": " $0; exit 1 }' \
    "$WORK/a/ratings.csv" >&2 || fail "demo: malformed ratings row"
# timestamps strictly increase within each user (time order is the default)
awk -F, 'NR > 2 && $1 == u && $4 <= t { print "line " NR; exit 1 } { u = $1; t = $4 }' \
    "$WORK/a/ratings.csv" >&2 || fail "demo: timestamps do not increase within a user"
# every rated anime id is in anime.csv
awk -F, 'NR == FNR { if (FNR > 1) ids[$1] = 1; next } FNR > 1 && !($2 in ids) { print "missing " $2; exit 1 }' \
    "$WORK/a/anime.csv" "$WORK/a/ratings.csv" >&2 || fail "demo: rated id missing from anime.csv"
ls "$WORK/a" | grep -q tmp && fail "demo: temp file left behind"

# --- determinism -------------------------------------------------------------------
expect_rc 0 "$anirec" synth --preset demo -o "$WORK/b" --threads 1 --quiet
[ -s "$WORK/out" ] && fail "--quiet still printed: $(cat "$WORK/out")"
cmp -s "$WORK/a/ratings.csv" "$WORK/b/ratings.csv" || fail "same seed, different ratings.csv"
cmp -s "$WORK/a/anime.csv" "$WORK/b/anime.csv" || fail "same seed, different anime.csv"
expect_rc 0 "$anirec" synth --preset demo --seed 2 -o "$WORK/c" -q
cmp -s "$WORK/a/ratings.csv" "$WORK/c/ratings.csv" && fail "seed 2 gave the same ratings.csv"

# --- flags override a preset; the Kaggle 2020 shape ------------------------------------
expect_rc 0 "$anirec" synth --preset kaggle2020 --users 300 --items 2000 --shape kaggle2020 -o "$WORK/k" -q
[ "$(head -1 "$WORK/k/ratings.csv")" = "user_id,anime_id,rating" ] || fail "kaggle2020: header"
awk -F, 'NR > 1 && NF != 3 { exit 1 }' "$WORK/k/ratings.csv" || fail "kaggle2020: rows are not 3 fields"
[ "$(tail -n +2 "$WORK/k/ratings.csv" | cut -d, -f1 | uniq | wc -l)" -eq 300 ] || fail "kaggle2020: --users ignored"
[ "$(data_lines "$WORK/k/anime.csv")" -eq 2000 ] || fail "kaggle2020: --items ignored"
# like the real file, each user's rows are in anime id order
awk -F, 'NR > 2 && $1 == u && $2 <= a { exit 1 } { u = $1; a = $2 }' "$WORK/k/ratings.csv" ||
    fail "kaggle2020: rows not in anime id order within a user"

# --- usage errors: exit 2 ------------------------------------------------------------
expect_rc 2 "$anirec" synth --users 0 -o "$WORK/x"
expect_rc 2 "$anirec" synth --follow 1.5 -o "$WORK/x"
expect_rc 2 "$anirec" synth --shape bogus -o "$WORK/x"
expect_rc 2 "$anirec" synth --preset huge -o "$WORK/x"
expect_rc 2 "$anirec" synth --users many -o "$WORK/x"
expect_rc 2 "$anirec" synth --preset demo
expect_rc 2 "$anirec" synth --items 100 --mean-length 50 -o "$WORK/x"  # more than items/4
grep -q "mean-length" "$WORK/err" || fail "cross-field error does not name --mean-length"
grep -qi "usage" "$WORK/err" || fail "usage error without usage"
[ -e "$WORK/x" ] && fail "a usage error created the output folder"

# --- runtime errors: exit 1, one line naming the path -----------------------------------
touch "$WORK/plainfile"
expect_rc 1 "$anirec" synth --preset demo -o "$WORK/plainfile"
grep -q "plainfile" "$WORK/err" || fail "runtime error does not name the path"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "runtime error is not one line"

expect_rc 0 "$anirec" synth --help
echo "synth_demo: ok"
