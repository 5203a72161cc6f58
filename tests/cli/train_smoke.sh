#!/usr/bin/env bash
# `anirec train` end to end on a small synthetic dataset: the files it writes (model,
# state, log), the card, exact resume, the time limit, the test report, usage errors
# (exit 2, naming the flag) and run-time errors (exit 1, one line).
# usage: train_smoke.sh <path-to-anirec> [shared-data-dir (unused)]
set -u
anirec=${1:?usage: train_smoke.sh <path-to-anirec>}
source "$(dirname "$0")/lib.bash"
# Idle OpenMP threads sleep instead of spinning: the test machine is shared.
export OMP_WAIT_POLICY=passive
have_py=0
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then have_py=1; fi
script_dir=$(cd "$(dirname "$0")" && pwd)
reader="$script_dir/../../tools/read_safetensors.py"
# card KEY: prints card[KEY...] (a Python expression on c) of $WORK/m.safetensors
card() {
    /usr/bin/python3 - "$WORK/m.safetensors" "$1" "$reader" <<'EOF'
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("rs", sys.argv[3]); rs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rs)
_, meta = rs.read(sys.argv[1])
c = json.loads(meta["anirec.card"])
print(eval(sys.argv[2]))
EOF
}

# --- data: 300 synthetic users with a planted order, titles included -------------------
expect_rc 0 "$anirec" synth --users 300 --items 200 --mean-length 20 --seed 3 -o "$WORK/s" -q
expect_rc 0 "$anirec" prepare "$WORK/s/ratings.csv" --meta "$WORK/s/anime.csv" -o "$WORK/d.anirec" -q

small=(--maxlen 20 --hidden 16 --blocks 1 --batch-size 64 --threads 2 --seed 5)

# --- a short run: files, log, card, test report ------------------------------------------
expect_rc 0 "$anirec" train "$WORK/d.anirec" -o "$WORK/m.safetensors" "${small[@]}" --epochs 2 --log "$WORK/log.jsonl"
[ -s "$WORK/m.safetensors" ] || fail "no model file"
[ -s "$WORK/m.safetensors.state" ] || fail "no training-state file"
[ "$(wc -l <"$WORK/log.jsonl")" -eq 2 ] || fail "log does not have 2 lines"
grep -q '"epoch":2' "$WORK/log.jsonl" || fail "log has no epoch 2"
grep -q '"ndcg@10"' "$WORK/log.jsonl" || fail "log has no validation metrics"
grep -q "full ranking" "$WORK/out" || fail "no test report on stdout"
grep -q "mostpop" "$WORK/out" || fail "no MostPop beside the model"
grep -q "epoch 2/2" "$WORK/err" || fail "no progress on stderr"
ls "$WORK" | grep -q '\.tmp\.' && fail "temp file left behind"
if [ $have_py -eq 1 ]; then
    /usr/bin/python3 "$reader" "$WORK/m.safetensors" >"$WORK/py" || fail "python reader failed"
    grep -q "item_emb.weight" "$WORK/py" || fail "python reader: no item_emb.weight"
    [ "$(card 'c["run"]["stop_reason"]')" = "epochs" ] || fail "card: stop reason"
    [ "$(card 'c["split"]["kind"]')" = "loo" ] || fail "card: split"
    [ "$(card '"test" in c["evaluation"]')" = "True" ] || fail "card: no test evaluation"
    [ "$(card 'c["trainer"]["options"]["run"]["model"]["hidden"]')" = "16" ] || fail "card: options"
fi

# --- --verbose 0 prints nothing on stderr --------------------------------------------------
expect_rc 0 "$anirec" train "$WORK/d.anirec" -o "$WORK/q.safetensors" "${small[@]}" --epochs 1 --verbose 0 --no-test
[ -s "$WORK/err" ] && fail "--verbose 0 printed: $(head -3 "$WORK/err")"

# --- resume: 1 epoch + resume to 2 gives the same weights as 2 straight -----------------
expect_rc 0 "$anirec" train "$WORK/d.anirec" -o "$WORK/r.safetensors" "${small[@]}" --epochs 1 --no-validate --no-test
expect_rc 0 "$anirec" train "$WORK/d.anirec" -o "$WORK/r.safetensors" "${small[@]}" --epochs 2 --no-validate --no-test --resume
expect_rc 0 "$anirec" train "$WORK/d.anirec" -o "$WORK/s2.safetensors" "${small[@]}" --epochs 2 --no-validate --no-test
if [ $have_py -eq 1 ]; then
    /usr/bin/python3 - "$reader" "$WORK/r.safetensors" "$WORK/s2.safetensors" <<'EOF' || fail "resumed weights differ"
import sys, importlib.util
import numpy as np
spec = importlib.util.spec_from_file_location("rs", sys.argv[1]); rs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rs)
a, _ = rs.read(sys.argv[2]); b, _ = rs.read(sys.argv[3])
assert a.keys() == b.keys()
for k in a:
    assert np.array_equal(a[k], b[k]), k
EOF
fi
# resume with another option: usage error naming it
expect_rc 2 "$anirec" train "$WORK/d.anirec" -o "$WORK/r.safetensors" "${small[@]}" --hidden 8 --epochs 3 --resume
grep -q "hidden" "$WORK/err" || fail "resume mismatch does not name the option"

# --- time limit: ends cleanly with a model ------------------------------------------------
expect_rc 0 "$anirec" train "$WORK/d.anirec" -o "$WORK/t.safetensors" "${small[@]}" --epochs 100000 --time-limit 1 --no-test
[ -s "$WORK/t.safetensors" ] || fail "time limit: no model"
grep -q "time-limit" "$WORK/err" || fail "time limit: not reported"

# --- usage errors: exit 2 naming the flag ------------------------------------------------
for bad in "--maxlen 0" "--hidden -1" "--dropout 1" "--lr 0" "--batch-size 0" "--loss hinge" "--optimizer sgd" \
    "--schedule cosine" "--heads 3" "--negatives 5" "--weight-decay 0.1" "--patience -1" "--time-limit -2" \
    "--eval-every 0" "--verbose 3" "--order random"; do
    flag=${bad%% *}
    # shellcheck disable=SC2086
    expect_rc 2 "$anirec" train "$WORK/d.anirec" -o "$WORK/x.safetensors" --hidden 16 $bad
    grep -q -- "$flag" "$WORK/err" || fail "usage error for '$bad' does not name $flag: $(head -2 "$WORK/err")"
done
expect_rc 2 "$anirec" train "$WORK/d.anirec"  # no -o
[ -e "$WORK/x.safetensors" ] && fail "a usage error wrote a model"

# --- run-time errors: exit 1, one line -------------------------------------------------------
expect_rc 1 "$anirec" train "$WORK/missing.anirec" -o "$WORK/x.safetensors"
grep -q "missing.anirec" "$WORK/err" || fail "missing data not named"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "runtime error is not one line"
expect_rc 1 "$anirec" train "$WORK/d.anirec" -o "$WORK/none.safetensors" "${small[@]}" --resume --verbose 0
grep -q "state" "$WORK/err" || fail "resume without state: unclear error"
# a non-finite loss stops with the step number
expect_rc 1 "$anirec" train "$WORK/d.anirec" -o "$WORK/n.safetensors" "${small[@]}" --lr 1e30 --epochs 3 --verbose 0
grep -q "step [0-9]" "$WORK/err" || fail "NaN stop does not name the step: $(cat "$WORK/err")"

expect_rc 0 "$anirec" train --help
echo "train_smoke: ok"
