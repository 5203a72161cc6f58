#!/usr/bin/env bash
# anirec eval without a model: baselines on synthetic data, both orders, both protocols,
# JSON and table output, ranks CSV, determinism and exit codes.
# usage: eval_baselines.sh <anirec> <shared-data-dir>
set -euo pipefail
A=$1
source "$(dirname "$0")/lib.bash"

# Time-ordered data: leave-one-out by default.
"$A" synth -q -o "$WORK/s" --users 600 --items 300 --mean-length 20 --seed 4
"$A" prepare -q "$WORK/s/ratings.csv" -o "$WORK/s.anirec"
"$A" eval -q --data "$WORK/s.anirec" --protocol both --json --threads 2 > "$WORK/a.json"
python3 - "$WORK/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["split"] == "leave-one-out", d["split"]
assert d["target"] == "test" and d["tie_rule"] == "pessimistic"
res = {(r["scorer"], r["protocol"]): r for r in d["results"]}
assert set(res) == {(s, p) for s in ("mostpop", "markov", "itemknn") for p in ("full", "sampled")}, set(res)
for r in d["results"]:
    m = r["metrics"]
    assert r["split"] == "leave-one-out"
    assert m["users"] == d["users_evaluated"] > 0
    for k in (1, 5, 10, 20):
        assert 0 <= m[f"ndcg@{k}"] <= m[f"hr@{k}"] <= 1, (r["scorer"], k, m)
        assert m[f"recall@{k}"] == m[f"hr@{k}"]
    if r["protocol"] == "sampled":
        assert "sampled" in r["protocol_label"]
        assert "coverage@10" not in m
    else:
        assert 0 < m["coverage@10"] <= 1
# synth plants "the next entry of a franchise follows": Markov must beat popularity.
assert res[("markov", "full")]["metrics"]["ndcg@10"] > res[("mostpop", "full")]["metrics"]["ndcg@10"]
# Sampled numbers are always higher than full-ranking ones for the same ranks' scorer.
for s in ("mostpop", "markov", "itemknn"):
    assert res[(s, "sampled")]["metrics"]["hr@10"] >= res[(s, "full")]["metrics"]["hr@10"]
PY

# Same flags, same numbers (seconds aside).
"$A" eval -q --data "$WORK/s.anirec" --protocol both --json --threads 1 > "$WORK/b.json"
python3 - "$WORK/a.json" "$WORK/b.json" <<'PY'
import json, sys
def strip(d):
    for r in d["results"]: r.pop("seconds")
    return d
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
assert a == b, "results differ between runs / thread counts"
PY

# The readable table names protocol and split, and the ranks CSV has one row per user.
"$A" eval -q --data "$WORK/s.anirec" --protocol sampled --baselines mostpop,markov --ranks-out "$WORK/r.csv" > "$WORK/t.txt"
grep -q "== sampled: 100 uniform negatives | leave-one-out | test ==" "$WORK/t.txt" || fail "sampled table title"
grep -q "^markov " "$WORK/t.txt" || fail "markov row"
head -1 "$WORK/r.csv" | grep -qx "user,mostpop:sampled,markov:sampled" || fail "ranks header: $(head -1 "$WORK/r.csv")"
users=$(python3 -c "import json;print(json.load(open('$WORK/a.json'))['users_evaluated'])")
[ "$(($(wc -l < "$WORK/r.csv") - 1))" -eq "$users" ] || fail "ranks rows"

# Item-id ordered data (the Kaggle shape): random hold-out by default, said loudly.
"$A" synth -q -o "$WORK/k" --users 400 --items 300 --mean-length 20 --seed 5 --shape kaggle2020
"$A" prepare -q "$WORK/k/ratings.csv" -o "$WORK/k.anirec"
"$A" eval -q --data "$WORK/k.anirec" --baselines mostpop > "$WORK/k.txt" 2> "$WORK/k.err"
grep -q "WARNING" "$WORK/k.err" || fail "no warning for item-id order"
grep -q "random hold-out, seed 42" "$WORK/k.txt" || fail "random split not in title: $(head -3 "$WORK/k.txt")"
"$A" eval -q --data "$WORK/k.anirec" --baselines mostpop --split loo > "$WORK/k2.txt" 2> "$WORK/k2.err"
grep -q "leave-one-out" "$WORK/k2.txt" || fail "--split loo ignored"
grep -q "WARNING" "$WORK/k2.err" || fail "no warning for loo on item-id order"

# Exit codes: 2 for usage errors, 1 for runtime errors.
set +e
"$A" eval --data "$WORK/s.anirec" --protocol bogus > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad protocol not exit 2"
"$A" eval > /dev/null 2>&1; [ $? -eq 2 ] || fail "no --model/--data not exit 2"
"$A" eval --data "$WORK/s.anirec" --k 0 > /dev/null 2>&1; [ $? -eq 2 ] || fail "--k 0 not exit 2"
"$A" eval --data "$WORK/s.anirec" --baselines bpr > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad baseline not exit 2"
"$A" eval --data "$WORK/missing.anirec" > /dev/null 2>&1; [ $? -eq 1 ] || fail "missing data not exit 1"
set -e
echo "eval_baselines: ok"
