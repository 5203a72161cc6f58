#!/usr/bin/env bash
# The sampled protocol reproduces the SASRec paper's PopRec row on ML-1M (Kang & McAuley
# 2018, Table III: HR@10 0.4329, NDCG@10 0.2377): the same data, split and protocol give
# the same popularity baseline within sampling noise (100 random negatives per user).
# usage: eval_ml1m_poprec.sh <anirec> <shared-data-dir>; skips (77) without the data.
set -euo pipefail
A=$1
D=$2/ml-1m-sasrec-rebuilt/ml-1m.txt.gz
[ -f "$D" ] || { echo "skip: $D not found"; exit 77; }
source "$(dirname "$0")/lib.bash"
"$A" prepare -q "$D" -o "$WORK/ml1m.anirec"
"$A" eval -q --data "$WORK/ml1m.anirec" --baselines mostpop --protocol both --json --k 10 > "$WORK/r.json"
python3 - "$WORK/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["split"] == "leave-one-out" and d["users_evaluated"] == 6040, (d["split"], d["users_evaluated"])
res = {r["protocol"]: r["metrics"] for r in d["results"]}
hr, ndcg = res["sampled"]["hr@10"], res["sampled"]["ndcg@10"]
print(f"ML-1M MostPop sampled HR@10 {hr:.4f} (paper 0.4329) NDCG@10 {ndcg:.4f} (paper 0.2377)")
# 6,040 users: the standard error of HR@10 is about 0.0064.
assert abs(hr - 0.4329) < 0.02, hr
assert abs(ndcg - 0.2377) < 0.015, ndcg
full = res["full"]
print(f"ML-1M MostPop full HR@10 {full['hr@10']:.4f} NDCG@10 {full['ndcg@10']:.4f}")
assert full["hr@10"] < 0.1  # full ranking is far harder than 100 sampled negatives
PY
