#!/usr/bin/env bash
# `anirec serve` as an operator runs it: start on a free port, SIGHUP swaps in a new
# model file, a bad file is refused (SIGHUP and POST /v1/admin/reload) while the old
# model keeps serving, SIGTERM exits 0; bad flags exit 2, a bad model file and a busy
# port exit 1 with a message naming them.
#   bash tests/cli/serve_signals.sh <path-to-anirec> [shared-data-dir]
set -euo pipefail
anirec=$1
"$anirec" serve --help >/dev/null 2>&1 || { echo "SKIP: built without the server (ANIREC_BUILD_SERVER=OFF)"; exit 77; }

source "$(dirname "$0")/lib.bash"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
# lib.bash's fail, plus the server's log
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/serve.err" ] && sed 's/^/  server: /' "$WORK/serve.err" >&2; exit 1; }

# http METHOD PATH [BODY] -> prints "STATUS BODY". Plain bash over /dev/tcp (one
# connection per call, Connection: close), so the test needs no HTTP client.
http() {
    local body=${3-} resp
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect to port $port"
    printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
        "$1" "$2" "${#body}" "$body" >&3
    resp=$(cat <&3)
    exec 3<&-
    local status=${resp#HTTP/1.1 }
    printf '%s %s\n' "${status%% *}" "${resp#*$'\r\n\r\n'}"
}
# field NAME 'JSON' -> the number or string value of "NAME" (the server writes compact JSON)
field() { grep -o "\"$1\":\(\"[^\"]*\"\|[0-9.-]*\)" <<<"$2" | head -1 | cut -d: -f2 | tr -d '"'; }

# Two small models from different synthetic worlds (800 and 600 users).
model_of() {  # users seed out
    "$anirec" synth -o "$WORK/s$2" --preset demo --users "$1" --items 200 --mean-length 20 --seed "$2" -q
    "$anirec" prepare "$WORK/s$2/ratings.csv" --meta "$WORK/s$2/anime.csv" -o "$WORK/d$2.anirec" -q
    "$anirec" train "$WORK/d$2.anirec" -o "$3" --epochs 1 --maxlen 20 --hidden 16 --blocks 1 --batch-size 128 \
        --verbose 0 --no-validate --no-test --baselines none --seed "$2" >/dev/null
}
model_of 800 1 "$WORK/a.safetensors"
model_of 600 2 "$WORK/b.safetensors"
cp "$WORK/a.safetensors" "$WORK/model.safetensors"

# Usage errors exit 2; a bad model file exits 1 naming it.
set +e
"$anirec" serve --model "$WORK/model.safetensors" --port 70000 >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--port 70000 exited $rc, expected 2"
"$anirec" serve --model "$WORK/nope.safetensors" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "a missing --model exited $rc, expected 2"
echo "not a model" > "$WORK/garbage.safetensors"
"$anirec" serve --model "$WORK/garbage.safetensors" --port 0 >/dev/null 2>"$WORK/err.txt"; rc=$?
[ $rc -eq 1 ] || fail "a bad model file exited $rc, expected 1"
grep -q "garbage.safetensors" "$WORK/err.txt" || fail "the error does not name the file: $(cat "$WORK/err.txt")"
set -e

"$anirec" serve --model "$WORK/model.safetensors" --port 0 --threads 2 >"$WORK/serve.out" 2>"$WORK/serve.err" &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q "listening on" "$WORK/serve.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start"
    sleep 0.05
done
base=$(grep -o 'http://[0-9.]*:[0-9]*' "$WORK/serve.out") || fail "no URL on stdout: $(cat "$WORK/serve.out")"
port=${base##*:}
[ "$(grep -o 'http://[0-9.]*' "$WORK/serve.out")" = "http://127.0.0.1" ] || fail "not bound to 127.0.0.1 by default"

read -r st body <<<"$(http GET "/healthz")"
[ "$st" = 200 ] || fail "healthz: $st $body"
[ "$(field model_generation "$body")" = 1 ] || fail "generation should be 1: $body"
read -r st body <<<"$(http GET "/v1/model")"
[ "$(field users "$body")" = 800 ] || fail "model a should have 800 users: $body"

# A second server on the same port is refused, exit 1.
set +e
"$anirec" serve --model "$WORK/model.safetensors" --port "$port" >/dev/null 2>"$WORK/err.txt"; rc=$?
set -e
[ $rc -eq 1 ] || fail "a busy port exited $rc, expected 1"
grep -q "$port" "$WORK/err.txt" || fail "the error does not name the port: $(cat "$WORK/err.txt")"

wait_generation() {  # wait until /healthz reports generation $1
    for _ in $(seq 1 200); do
        read -r st body <<<"$(http GET "/healthz")"
        [ "$(field model_generation "$body")" = "$1" ] && return 0
        sleep 0.05
    done
    fail "generation never reached $1: $body"
}

# SIGHUP with a new file (replaced atomically, as train writes it): model b serves.
cp "$WORK/b.safetensors" "$WORK/tmp.safetensors" && mv "$WORK/tmp.safetensors" "$WORK/model.safetensors"
kill -HUP "$server_pid"
wait_generation 2
read -r st body <<<"$(http GET "/v1/model")"
[ "$(field users "$body")" = 600 ] || fail "model b should serve after SIGHUP: $body"

# A truncated file: SIGHUP and the admin endpoint refuse it, model b keeps serving.
head -c 1000 "$WORK/b.safetensors" > "$WORK/tmp.safetensors" && mv "$WORK/tmp.safetensors" "$WORK/model.safetensors"
kill -HUP "$server_pid"
for _ in $(seq 1 200); do grep -q "refused" "$WORK/serve.err" && break; sleep 0.05; done
grep -q "SIGHUP: refused" "$WORK/serve.err" || fail "no refusal logged after SIGHUP with a bad file"
read -r st body <<<"$(http POST "/v1/admin/reload" "")"
[ "$st" = 409 ] || fail "reload of a bad file: $st $body (expected 409)"
[ "$(field error "$body")" = reload_failed ] || fail "reload error body: $body"
read -r st body <<<"$(http GET "/healthz")"
[ "$(field model_generation "$body")" = 2 ] || fail "a refused file changed the generation: $body"
read -r st body <<<"$(http POST "/v1/recommend" '{"history": [1, 2], "k": 3}')"
[ "$st" = 200 ] || fail "recommend after a refused reload: $st $body"
[ "$(grep -o '"rank":' <<<"$body" | wc -l)" = 3 ] || fail "recommend returned: $body"

# The admin endpoint swaps in a good file.
cp "$WORK/a.safetensors" "$WORK/tmp.safetensors" && mv "$WORK/tmp.safetensors" "$WORK/model.safetensors"
read -r st body <<<"$(http POST "/v1/admin/reload" "")"
[ "$st" = 200 ] || fail "reload: $st $body"
[ "$(field generation "$body")" = 3 ] || fail "reload generation: $body"

# SIGTERM: exit 0, promptly.
kill -TERM "$server_pid"
for _ in $(seq 1 200); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$server_pid" 2>/dev/null && fail "the server still runs 10 s after SIGTERM"
set +e
wait "$server_pid"; rc=$?
set -e
server_pid=""
[ $rc -eq 0 ] || fail "exit status after SIGTERM: $rc"
grep -q "stopped" "$WORK/serve.err" || fail "no 'stopped' line after SIGTERM"
echo "PASS"
