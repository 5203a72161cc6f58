#!/usr/bin/env bash
# `anirec train` end to end on a small synthetic dataset: the files it writes (model,
# state, log), the card, exact resume, the time limit, the test report, usage errors
# (exit 2, naming the flag) and run-time errors (exit 1, one line).
# usage: train_smoke.sh <path-to-anirec> [shared-data-dir (unused)]
set -u
anirec=${1:?usage: train_smoke.sh <path-to-anirec>}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Idle OpenMP threads sleep instead of spinning: the test machine is shared.
export OMP_WAIT_POLICY=passive

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
expect_rc() {
    local want=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        cat "$tmp/out" "$tmp/err" >&2
        fail "expected exit $want, got $rc: $*"
    fi
}
have_py=0
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then have_py=1; fi
script_dir=$(cd "$(dirname "$0")" && pwd)
reader="$script_dir/../../tools/read_safetensors.py"
# card KEY: prints card[KEY...] (a Python expression on c) of $tmp/m.safetensors
card() {
    /usr/bin/python3 - "$tmp/m.safetensors" "$1" "$reader" <<'EOF'
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("rs", sys.argv[3]); rs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rs)
_, meta = rs.read(sys.argv[1])
c = json.loads(meta["anirec.card"])
print(eval(sys.argv[2]))
EOF
}

# --- data: 300 synthetic users with a planted order, titles included -------------------
expect_rc 0 "$anirec" synth --users 300 --items 200 --mean-length 20 --seed 3 -o "$tmp/s" -q
expect_rc 0 "$anirec" prepare "$tmp/s/ratings.csv" --meta "$tmp/s/anime.csv" -o "$tmp/d.anirec" -q

small=(--maxlen 20 --hidden 16 --blocks 1 --batch-size 64 --threads 2 --seed 5)

# --- a short run: files, log, card, test report ------------------------------------------
expect_rc 0 "$anirec" train "$tmp/d.anirec" -o "$tmp/m.safetensors" "${small[@]}" --epochs 2 --log "$tmp/log.jsonl"
[ -s "$tmp/m.safetensors" ] || fail "no model file"
[ -s "$tmp/m.safetensors.state" ] || fail "no training-state file"
[ "$(wc -l <"$tmp/log.jsonl")" -eq 2 ] || fail "log does not have 2 lines"
grep -q '"epoch":2' "$tmp/log.jsonl" || fail "log has no epoch 2"
grep -q '"ndcg@10"' "$tmp/log.jsonl" || fail "log has no validation metrics"
grep -q "full ranking" "$tmp/out" || fail "no test report on stdout"
grep -q "mostpop" "$tmp/out" || fail "no MostPop beside the model"
grep -q "epoch 2/2" "$tmp/err" || fail "no progress on stderr"
ls "$tmp" | grep -q '\.tmp\.' && fail "temp file left behind"
if [ $have_py -eq 1 ]; then
    /usr/bin/python3 "$reader" "$tmp/m.safetensors" >"$tmp/py" || fail "python reader failed"
    grep -q "item_emb.weight" "$tmp/py" || fail "python reader: no item_emb.weight"
    [ "$(card 'c["run"]["stop_reason"]')" = "epochs" ] || fail "card: stop reason"
    [ "$(card 'c["split"]["kind"]')" = "loo" ] || fail "card: split"
    [ "$(card '"test" in c["evaluation"]')" = "True" ] || fail "card: no test evaluation"
    [ "$(card 'c["trainer"]["options"]["run"]["model"]["hidden"]')" = "16" ] || fail "card: options"
fi

# --- --verbose 0 prints nothing on stderr --------------------------------------------------
expect_rc 0 "$anirec" train "$tmp/d.anirec" -o "$tmp/q.safetensors" "${small[@]}" --epochs 1 --verbose 0 --no-test
[ -s "$tmp/err" ] && fail "--verbose 0 printed: $(head -3 "$tmp/err")"

# --- resume: 1 epoch + resume to 2 gives the same weights as 2 straight -----------------
expect_rc 0 "$anirec" train "$tmp/d.anirec" -o "$tmp/r.safetensors" "${small[@]}" --epochs 1 --no-validate --no-test
expect_rc 0 "$anirec" train "$tmp/d.anirec" -o "$tmp/r.safetensors" "${small[@]}" --epochs 2 --no-validate --no-test --resume
expect_rc 0 "$anirec" train "$tmp/d.anirec" -o "$tmp/s2.safetensors" "${small[@]}" --epochs 2 --no-validate --no-test
if [ $have_py -eq 1 ]; then
    /usr/bin/python3 - "$reader" "$tmp/r.safetensors" "$tmp/s2.safetensors" <<'EOF' || fail "resumed weights differ"
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
expect_rc 2 "$anirec" train "$tmp/d.anirec" -o "$tmp/r.safetensors" "${small[@]}" --hidden 8 --epochs 3 --resume
grep -q "hidden" "$tmp/err" || fail "resume mismatch does not name the option"

# --- time limit: ends cleanly with a model ------------------------------------------------
expect_rc 0 "$anirec" train "$tmp/d.anirec" -o "$tmp/t.safetensors" "${small[@]}" --epochs 100000 --time-limit 1 --no-test
[ -s "$tmp/t.safetensors" ] || fail "time limit: no model"
grep -q "time-limit" "$tmp/err" || fail "time limit: not reported"

# --- usage errors: exit 2 naming the flag ------------------------------------------------
for bad in "--maxlen 0" "--hidden -1" "--dropout 1" "--lr 0" "--batch-size 0" "--loss hinge" "--optimizer sgd" \
    "--schedule cosine" "--heads 3" "--negatives 5" "--weight-decay 0.1" "--patience -1" "--time-limit -2" \
    "--eval-every 0" "--verbose 3" "--order random"; do
    flag=${bad%% *}
    # shellcheck disable=SC2086
    expect_rc 2 "$anirec" train "$tmp/d.anirec" -o "$tmp/x.safetensors" --hidden 16 $bad
    grep -q -- "$flag" "$tmp/err" || fail "usage error for '$bad' does not name $flag: $(head -2 "$tmp/err")"
done
expect_rc 2 "$anirec" train "$tmp/d.anirec"  # no -o
[ -e "$tmp/x.safetensors" ] && fail "a usage error wrote a model"

# --- run-time errors: exit 1, one line -------------------------------------------------------
expect_rc 1 "$anirec" train "$tmp/missing.anirec" -o "$tmp/x.safetensors"
grep -q "missing.anirec" "$tmp/err" || fail "missing data not named"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "runtime error is not one line"
expect_rc 1 "$anirec" train "$tmp/d.anirec" -o "$tmp/none.safetensors" "${small[@]}" --resume --verbose 0
grep -q "state" "$tmp/err" || fail "resume without state: unclear error"
# a non-finite loss stops with the step number
expect_rc 1 "$anirec" train "$tmp/d.anirec" -o "$tmp/n.safetensors" "${small[@]}" --lr 1e30 --epochs 3 --verbose 0
grep -q "step [0-9]" "$tmp/err" || fail "NaN stop does not name the step: $(cat "$tmp/err")"

expect_rc 0 "$anirec" train --help
echo "train_smoke: ok"
