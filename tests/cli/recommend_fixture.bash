# Shared by tests/cli/recommend_*.sh (sourced, not a test itself: CTest globs *.sh only).
# Builds, in $WORK, a tiny dataset with awkward real titles (Steins;Gate and Gate,
# Gintama&#039;, Pokémon, ...) and trains two small models on it:
#   $WORK/m.safetensors        with titles, genres and types (--meta anime.csv)
#   $WORK/notitles.safetensors without metadata
# Helpers (expect_rc, contains, lacks, fail) come from lib.bash.

set -u
ANIREC=${1:?usage: script <path-to-anirec> [shared-data-dir]}
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

cat >"$WORK/anime.csv" <<'CSV'
anime_id,name,genre,type,episodes,rating,members
5114,Fullmetal Alchemist: Brotherhood,"Action, Adventure, Drama, Fantasy",TV,64,9.26,793665
9253,Steins;Gate,"Sci-Fi, Thriller",TV,24,9.17,673572
16498,Shingeki no Kyojin,"Action, Drama, Fantasy, Shounen",TV,25,8.54,896229
28907,Gate,"Action, Adventure, Fantasy, Military",TV,12,8.00,300000
9969,Gintama&#039;,"Action, Comedy, Sci-Fi",TV,51,9.16,151266
918,Gintama,"Action, Comedy, Sci-Fi",TV,201,9.04,336376
527,Pokémon,"Action, Adventure, Comedy, Kids",TV,276,7.40,291838
32281,Kimi no Na wa.,"Drama, Romance, School, Supernatural",Movie,1,9.37,200630
25777,Shingeki no Kyojin Season 2,"Action, Drama, Fantasy, Shounen",TV,12,8.40,400000
30484,Steins;Gate 0,"Sci-Fi, Thriller",TV,23,8.50,300000
CSV
# Filler animes 1..40 with cycling genres and types.
genres=("Comedy, School" "Drama, Romance" "Action, Sci-Fi" "Fantasy, Magic" "Slice of Life")
types=(TV Movie OVA TV ONA)
for i in $(seq 1 40); do
    echo "$((100 + i)),Filler Anime $i,\"${genres[$((i % 5))]}\",${types[$((i % 5))]},12,7.00,$((1000 * i))" >>"$WORK/anime.csv"
done

# 60 users, 8..15 animes each, timestamps increasing.
ids=(5114 9253 16498 28907 9969 918 527 32281 25777 30484)
for i in $(seq 1 40); do ids+=($((100 + i))); done
RANDOM=42
echo "user_id,anime_id,rating,timestamp" >"$WORK/ratings.csv"
for u in $(seq 1 60); do
    n=$((8 + RANDOM % 8))
    for t in $(seq 1 $n); do
        echo "$u,${ids[$((RANDOM % 50))]},$((1 + RANDOM % 10)),$((1600000000 + u * 1000 + t))"
    done
done >>"$WORK/ratings.csv"

"$ANIREC" prepare "$WORK/ratings.csv" --meta "$WORK/anime.csv" --repeats first -o "$WORK/d.anirec" -q \
    >"$WORK/out" 2>"$WORK/err" || fail "prepare"
"$ANIREC" train "$WORK/d.anirec" -o "$WORK/m.safetensors" --maxlen 12 --hidden 8 --heads 1 --max-steps 3 \
    --threads 1 >"$WORK/out" 2>"$WORK/err" || fail "train"
"$ANIREC" prepare "$WORK/ratings.csv" --repeats first -o "$WORK/nt.anirec" -q >"$WORK/out" 2>"$WORK/err" || fail "prepare (no meta)"
"$ANIREC" train "$WORK/nt.anirec" -o "$WORK/notitles.safetensors" --maxlen 12 --hidden 8 --heads 1 --max-steps 3 \
    --threads 1 >"$WORK/out" 2>"$WORK/err" || fail "train (no meta)"
