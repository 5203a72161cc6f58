#!/usr/bin/env bash
# `anirec recommend` and `anirec similar` end to end: title lookup, ';' in titles,
# exit codes (0 ok, 1 unknown/ambiguous title or user with candidates printed, 2 bad k
# or flag), filters, JSON output.
source "$(dirname "$0")/recommend_fixture.bash"
M="$WORK/m.safetensors"

# A training user: a table of 5 rows.
expect_rc 0 "$ANIREC" recommend --model "$M" --user 7 -k 5
contains "$WORK/out" "Recommendations for user '7'"
[ "$(grep -cE '^ *[1-5]  ' "$WORK/out")" -eq 5 ] || fail "expected 5 table rows"

# Titles and raw ids; "Steins;Gate" must stay one anime although ';' separates entries.
expect_rc 0 "$ANIREC" recommend --model "$M" --history "Shingeki no Kyojin; Steins;Gate; 9253" -k 3 --json
contains "$WORK/out" '"history_len": 3'
[ "$(grep -c '"id": "9253"' "$WORK/out")" -ge 2 ] || fail "Steins;Gate and 9253 should both be 9253"
contains "$WORK/out" '"id": "16498"'
lacks "$WORK/out" '"id": "28907"'   # not split into "Steins" + "Gate"
# Seen animes are left out by default and come back with --no-exclude-seen -k all.
expect_rc 0 "$ANIREC" recommend --model "$M" --history "Steins;Gate;Gate" -k 50 --json
[ "$(grep -c '"rank"' "$WORK/out")" -eq 48 ] || fail "50 animes - 2 seen = 48 rows"
[ "$(grep -c '"title": "Steins;Gate"' "$WORK/out")" -eq 1 ] || fail "Steins;Gate only in the history"
expect_rc 0 "$ANIREC" recommend --model "$M" --history "Steins;Gate;Gate" -k 50 --no-exclude-seen --json
[ "$(grep -c '"rank"' "$WORK/out")" -eq 50 ] || fail "--no-exclude-seen gives all 50"
[ "$(grep -c '"title": "Steins;Gate"' "$WORK/out")" -eq 2 ] || fail "Steins;Gate in history and rows"

# Lookup is forgiving about case, accents, punctuation and entities.
expect_rc 0 "$ANIREC" similar --model "$M" "fullmetal alchemist brotherhood" -k 3 --explain
contains "$WORK/out" "Animes similar to Fullmetal Alchemist: Brotherhood (id 5114)"
contains "$WORK/out" "watched by both"
expect_rc 0 "$ANIREC" similar --model "$M" "POKEMON" -k 2
contains "$WORK/out" "Pokémon (id 527)"
expect_rc 0 "$ANIREC" similar --model "$M" "Gintama&#039;" -k 2
contains "$WORK/out" "(id 9969)"
expect_rc 0 "$ANIREC" similar --model "$M" "gintama" -k 2
contains "$WORK/out" "(id 918)"

# No match: exit 1 with suggestions. Several matches: exit 1 with candidates.
expect_rc 1 "$ANIREC" similar --model "$M" "shingeki no kyojn"
contains "$WORK/err" "unknown anime 'shingeki no kyojn'; closest titles:"
contains "$WORK/err" "16498  Shingeki no Kyojin"
expect_rc 1 "$ANIREC" recommend --model "$M" --history "kyojin; 9253"
contains "$WORK/err" "'kyojin' matches 2 animes"
contains "$WORK/err" "25777  Shingeki no Kyojin Season 2"
expect_rc 1 "$ANIREC" recommend --model "$M" --user nobody
contains "$WORK/err" "unknown user 'nobody'"

# Bad k and bad flags: exit 2 with usage.
expect_rc 2 "$ANIREC" recommend --model "$M" --user 7 -k 0
contains "$WORK/err" "k must be at least 1 (got 0)"
expect_rc 2 "$ANIREC" similar --model "$M" 9253 -k 51
contains "$WORK/err" "k = 51 is larger than the catalogue (50 animes)"
expect_rc 2 "$ANIREC" recommend --model "$M" --user 7 --history "9253"
expect_rc 2 "$ANIREC" recommend --model "$M"
expect_rc 2 "$ANIREC" similar --model "$M" 9253 --include-genres Horror
contains "$WORK/err" "unknown genre 'Horror'"

# Filters.
expect_rc 0 "$ANIREC" recommend --model "$M" --user 7 -k 10 --types movie --json
n_rows=$(grep -c '"rank"' "$WORK/out")
[ "$n_rows" -ge 1 ] || fail "no Movie recommended"
[ "$(grep -c '"type": "Movie"' "$WORK/out")" -eq "$n_rows" ] || fail "--types movie let another type through"
expect_rc 0 "$ANIREC" similar --model "$M" 9253 -k 10 --exclude-genres "comedy,sci-fi" --json
sed -n '/"similar"/,$p' "$WORK/out" >"$WORK/rows"   # the rows, without the query anime
[ "$(grep -c '"rank"' "$WORK/rows")" -ge 1 ] || fail "no similar anime left"
lacks "$WORK/rows" '"Comedy"'
lacks "$WORK/rows" '"Sci-Fi"'

# A model without titles: raw ids work, titles say why they do not.
expect_rc 0 "$ANIREC" similar --model "$WORK/notitles.safetensors" 9253 -k 3
expect_rc 1 "$ANIREC" similar --model "$WORK/notitles.safetensors" "Steins;Gate"
contains "$WORK/err" "carries no titles"
expect_rc 2 "$ANIREC" similar --model "$WORK/notitles.safetensors" 9253 --types TV
contains "$WORK/err" "need item metadata"
echo "recommend_cli: ok"
