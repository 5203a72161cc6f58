#!/usr/bin/env bash
# anirec eval with a model: a tiny model trained here, evaluated from its own stored
# histories and from the dataset; the split recorded in the card is reused; the
# numbers agree with the test evaluation `train` wrote into the card.
# usage: eval_model.sh <anirec> <shared-data-dir>
set -euo pipefail
A=$1
source "$(dirname "$0")/lib.bash"

"$A" synth -q -o "$WORK/s" --users 400 --items 150 --mean-length 15 --seed 6
"$A" prepare -q "$WORK/s/ratings.csv" -o "$WORK/s.anirec"
"$A" train "$WORK/s.anirec" -o "$WORK/m.safetensors" --epochs 2 --maxlen 16 --hidden 16 --verbose 0 --threads 2 \
    --baselines mostpop > /dev/null

# Without --data: the histories stored in the model.
"$A" eval -q --model "$WORK/m.safetensors" --json --protocol both --ranks-out "$WORK/r.csv" > "$WORK/a.json"
"$A" eval -q --model "$WORK/m.safetensors" --data "$WORK/s.anirec" --json --protocol both > "$WORK/b.json"
python3 - "$WORK/a.json" "$WORK/b.json" "$WORK/m.safetensors" <<'PY'
import json, struct, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    for r in d["results"]: r.pop("seconds")
assert a["results"] == b["results"], "stored histories and the dataset give different results"
assert a["model"] == "sasrec" and a["split"] == "leave-one-out"
res = {(r["scorer"], r["protocol"]): r["metrics"] for r in a["results"]}
assert ("sasrec", "full") in res and ("sasrec", "sampled") in res
for m in res.values():
    assert 0 <= m["ndcg@10"] <= m["hr@10"] <= 1
assert set(a["lift"]) == {"full", "sampled"}
assert "ndcg@10" in a["lift"]["full"] and "best_baseline@ndcg@10" in a["lift"]["full"]
# `train` evaluated the same model on the same test items: same numbers.
raw = open(sys.argv[3], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
card = json.loads(json.loads(raw[8:8 + n])["__metadata__"]["anirec.card"])
assert card["split"]["kind"] == "loo", card["split"]
tr = {(r["scorer"], r["protocol"]): r["metrics"] for r in card["evaluation"]["test"]["results"]}
for key in ("hr@10", "ndcg@10", "mrr", "users"):
    assert tr[("sasrec", "full")][key] == res[("sasrec", "full")][key], (key, tr, res)
PY
head -1 "$WORK/r.csv" | grep -qx "user,sasrec:full,sasrec:sampled,mostpop:full,mostpop:sampled,markov:full,markov:sampled,itemknn:full,itemknn:sampled" \
    || fail "ranks header: $(head -1 "$WORK/r.csv")"

# The table shows the model first and a lift row.
"$A" eval -q --model "$WORK/m.safetensors" --baselines mostpop > "$WORK/t.txt"
sed -n '/== full ranking/,$p' "$WORK/t.txt" | sed -n 4p | grep -q "^sasrec " || fail "model row: $(cat "$WORK/t.txt")"
grep -q "^lift " "$WORK/t.txt" || fail "no lift row"

# A random split recorded in the card is reused; asking for another one warns.
"$A" train "$WORK/s.anirec" -o "$WORK/r.safetensors" --epochs 1 --maxlen 16 --hidden 16 --verbose 0 --no-test \
    --split random --split-seed 9
"$A" eval -q --model "$WORK/r.safetensors" --baselines none > "$WORK/r.txt" 2> "$WORK/r.err"
grep -q "random hold-out, seed 9" "$WORK/r.txt" || fail "card split not reused: $(head -2 "$WORK/r.txt")"
! grep -q "WARNING" "$WORK/r.err" || fail "unexpected warning: $(cat "$WORK/r.err")"
"$A" eval -q --model "$WORK/r.safetensors" --baselines none --split-seed 10 > /dev/null 2> "$WORK/r2.err"
grep -q "WARNING" "$WORK/r2.err" || fail "no warning for a split other than the model's"

# --update-card stores the report in the model file.
"$A" eval -q --model "$WORK/r.safetensors" --baselines mostpop --on valid --update-card > /dev/null
python3 - "$WORK/r.safetensors" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
card = json.loads(json.loads(raw[8:8 + n])["__metadata__"]["anirec.card"])
ev = card["evaluation"]["valid"]
assert ev["target"] == "valid" and ev["split"] == "random hold-out, seed 9", ev
PY

# Data that numbers items differently is refused (exit 1, naming the item).
"$A" synth -q -o "$WORK/o" --users 100 --items 120 --mean-length 10 --seed 7
"$A" prepare -q "$WORK/o/ratings.csv" -o "$WORK/o.anirec"
set +e
"$A" eval --model "$WORK/m.safetensors" --data "$WORK/o.anirec" > /dev/null 2> "$WORK/e.err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "mismatched data: exit $rc"
grep -q "items" "$WORK/e.err" || fail "error does not say what differs: $(cat "$WORK/e.err")"
echo "eval_model: ok"
