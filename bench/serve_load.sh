#!/usr/bin/env bash
# Load test of `anirec serve` with wrk on 127.0.0.1 (not a unit test; figures go to
# docs/benchmarks.md with the machine and this command).
#
#   bench/serve_load.sh [path-to-anirec]        (default: build/anirec)
#
# Environment: MODEL (a model file; default: train one on `synth --preset demo` with the
# demo's --maxlen 50), DURATION (seconds per run, default 15), CONNECTIONS (default 16),
# WRK_THREADS (default 2), SERVER_THREADS (server --threads, default 16), OUT (work folder).
#
# Run 1: POST /v1/recommend with valid histories (bench/serve_recommend.lua), wrk --latency.
#        Targets: >= 5,000 requests/s on 2 cores, p99 < 10 ms, no errors.
# Run 2: the same with every 10th request malformed (bench/serve_malformed.lua): those get
#        4xx, nothing gets 5xx, the server survives, and its resident memory stays flat
#        (sampled every second from /proc/<pid>/status).
set -euo pipefail
cd "$(dirname "$0")/.."
anirec=${1:-build/anirec}
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/setup --with wrk)"; exit 1; }
duration=${DURATION:-15}
conns=${CONNECTIONS:-16}
wrk_threads=${WRK_THREADS:-2}
server_threads=${SERVER_THREADS:-16}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

model=${MODEL:-}
if [ -z "$model" ]; then
    echo "== training a demo-sized model in $out (synth --preset demo, --maxlen 50, 1 epoch)"
    "$anirec" synth -o "$out/raw" --preset demo -q
    "$anirec" prepare "$out/raw/ratings.csv" --meta "$out/raw/anime.csv" -o "$out/data.anirec" -q
    "$anirec" train "$out/data.anirec" -o "$out/model.safetensors" --maxlen 50 --epochs 1 --verbose 0 \
        --no-test --baselines none
    model="$out/model.safetensors"
fi

"$anirec" serve --model "$model" --port 0 --threads "$server_threads" >"$out/serve.out" 2>"$out/serve.err" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do grep -q "listening on" "$out/serve.out" 2>/dev/null && break; sleep 0.05; done
base=$(grep -o 'http://[0-9.]*:[0-9]*' "$out/serve.out")
items=$(python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1]))["items"])' \
    "$base/healthz")
# Histories are drawn from the 200 most watched animes' raw ids.
ANIREC_IDS=$(python3 -c 'import json,sys,urllib.request
j = json.load(urllib.request.urlopen(sys.argv[1] + "/v1/items?limit=200"))
print(",".join(i["id"] for i in j["items"]))' "$base")
export ANIREC_IDS
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== server: $base, model $model ($items animes), --threads $server_threads"
echo "== warm-up (3 s)"
wrk -t"$wrk_threads" -c"$conns" -d3s -s bench/serve_recommend.lua "$base" >/dev/null

echo "== run 1: valid POST /v1/recommend, wrk -t$wrk_threads -c$conns -d${duration}s --latency"
wrk -t"$wrk_threads" -c"$conns" -d"${duration}s" --latency -s bench/serve_recommend.lua "$base" | tee "$out/run1.txt"

echo "== run 2: 10% malformed, wrk -t$wrk_threads -c$conns -d${duration}s"
rss_before=$(rss_kb)
( for _ in $(seq 1 "$duration"); do sleep 1; rss_kb; done ) >"$out/rss.txt" &
sampler=$!
wrk -t"$wrk_threads" -c"$conns" -d"${duration}s" --latency -s bench/serve_malformed.lua "$base" | tee "$out/run2.txt"
wait $sampler || true
rss_after=$(rss_kb)
echo "RSS (kB) before run 2: $rss_before; every second: $(tr '\n' ' ' <"$out/rss.txt"); after: $rss_after"

kill -0 "$pid" || { echo "FAIL: the server died"; exit 1; }
curl_metrics=$(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
    "$base/metrics")
fivexx=$(printf '%s\n' "$curl_metrics" | awk '/^anirec_http_requests_total\{.*code="5[0-9][0-9]"\}/ {s += $2} END {print s + 0}')
echo "== server-side 5xx responses over both runs: $fivexx"
printf '%s\n' "$curl_metrics" | grep -E '^anirec_http_(requests_total\{route="/v1/recommend"|errors_total\{.*\} [1-9])'
kill -TERM "$pid"
wait "$pid" && echo "== server exited 0 after SIGTERM"
trap - EXIT
