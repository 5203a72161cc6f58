#!/usr/bin/env bash
# Training throughput of anirec's engine and of a PyTorch implementation of the same model, side by side in
# one run (issue 3): the ML-1M configuration (maxlen 200, d 50, 2 blocks, 1 head, dropout 0.2, batch 128,
# real ML-1M lengths when ../shared/data is present), losses bce and ce, 2 threads each.
#
#   bench/train_vs_torch.sh [build-dir]        (default: build)
#
# Environment: STEPS (PyTorch steps timed per loss, default 20), MIN_TIME (seconds per Google Benchmark case,
# default 5), THREADS (default 2). Needs Debian's python3-torch (scripts/setup --with torch); without it only
# the anirec side runs. PyTorch gets OpenBLAS (OpenMP build) first in LD_LIBRARY_PATH, its fastest BLAS here
# (Debian's torch otherwise calls the reference BLAS).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
steps=${STEPS:-20}
min_time=${MIN_TIME:-5}
threads=${THREADS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== anirec: $build/bench/bench_train_step (--benchmark_min_time=$min_time)"
"$build/bench/bench_train_step" --benchmark_filter="SgemmPeak/$threads/|(bce|ce)/$threads/" \
    --benchmark_min_time="$min_time" --benchmark_out="$out/anirec.json" --benchmark_out_format=json

have_torch=0
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    have_torch=1
    blas=/usr/lib/x86_64-linux-gnu/openblas-openmp
    for loss in bce ce; do
        echo "== PyTorch: tools/bench_torch.py --loss $loss --threads $threads --steps $steps"
        OMP_NUM_THREADS=$threads LD_LIBRARY_PATH=$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
            /usr/bin/python3 tools/bench_torch.py --loss "$loss" --threads "$threads" --steps "$steps" --json \
            >"$out/torch_$loss.json"
    done
else
    echo "== PyTorch: python3-torch is not installed (scripts/setup --with torch); skipped"
fi

/usr/bin/python3 - "$out" "$threads" "$have_torch" <<'EOF'
import json, os, sys
out, threads, have_torch = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
runs = {b["name"]: b for b in json.load(open(os.path.join(out, "anirec.json")))["benchmarks"]}
peak = next(b for n, b in runs.items() if n.startswith("BM_SgemmPeak/" + threads))["GFLOP/s"]
print(f"\nSGEMM 1536^3 ({threads} threads, OpenBLAS) on its own: {peak:.1f} GFLOP/s; the share below is over the")
print("SGEMM rate measured interleaved with the training steps (column 'SGEMM GFLOP/s')\n")
print("| loss | anirec seq/s | anirec epoch s | model GFLOP/s | SGEMM GFLOP/s | share of SGEMM | PyTorch seq/s | PyTorch epoch s | ratio |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for loss in ("bce", "ce"):
    b = next(b for n, b in runs.items() if n.startswith(f"BM_TrainStep/{loss}/{threads}"))
    t = json.load(open(os.path.join(out, f"torch_{loss}.json"))) if have_torch else None
    torch_cols = (f"{t['seq_per_s']:.0f} | {t['epoch_s']:.1f} | {b['seq/s'] / t['seq_per_s']:.1f}x"
                  if t else "- | - | -")
    epoch_s = 6040 / b['seq/s']  # ML-1M: 6,040 training sequences an epoch
    pk = b["peak_GFLOP/s"]
    print(f"| {loss} | {b['seq/s']:.0f} | {epoch_s:.2f} | {b['model_GFLOP/s']:.1f} | {pk:.1f} | "
          f"{100 * b['model_GFLOP/s'] / pk:.1f}% | {torch_cols} |")
EOF
