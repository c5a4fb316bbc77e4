#!/usr/bin/env bash
# The main job: builds the kit, then runs the conformance suite
#   1. against the bundled reference user function directly (the kit plays the proxy), and
#   2. against the bundled reference proxy in front of that function (the kit plays the client and
#      taps the proxy-to-function wire),
# writing every report format under out/reports/{function,proxy}/.
# It builds the same preset (ci) in the same tree (build/ci) as ci/build-test.sh, so running the
# test command afterwards compiles only the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PRESET="${CS_PRESET:-ci}"
OUT="${CS_REPORT_DIR:-$ROOT/out/reports}"
export CCACHE_BASEDIR="$ROOT"

cmake --preset "$PRESET"
cmake --build --preset "$PRESET" -j2 --target cloudstate-tck cloudstate-reference-function \
  cloudstate-proxy
BIN="$ROOT/build/$PRESET"
TCK="$BIN/tck/cloudstate-tck"
FUNCTION="$BIN/reference-function/cloudstate-reference-function"
PROXY="$BIN/reference-proxy/cloudstate-proxy"
mkdir -p "$OUT/function" "$OUT/proxy"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Give each process a bounded time to exit on SIGTERM, then SIGKILL it.
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# 1. The SDK suite: the kit starts (and restarts, if needed) the function itself.
config="$OUT/function/tck.yaml"
cat > "$config" <<YAML
function:
  command: $FUNCTION
  args: ["--host", "127.0.0.1", "--port", "\${PORT}"]
  host: 127.0.0.1
  port: 0
  startup_timeout: 60
  restart: true
  log_file: function.log
YAML
echo "main-job: cloudstate-tck run against cloudstate-reference-function"
status=0
"$TCK" run --config "$config" --jobs 2 --report-dir "$OUT/function" || status=$?

# 2. The proxy suite: function <- interceptor (the kit) <- cloudstate-proxy <- client (the kit).
# gRPC and HTTP/JSON share the proxy's one client port, like the original proxy.
fport=$(free_port); iport=$(free_port); port=$(free_port)
"$FUNCTION" --host 127.0.0.1 --port "$fport" > "$OUT/proxy/function.log" 2>&1 &
pids+=($!)
"$PROXY" --bind 127.0.0.1 --user-function "127.0.0.1:$iport" --http-port "$port" \
  --store "sqlite:$OUT/proxy/state.db" > "$OUT/proxy/proxy.log" 2>&1 &
pids+=($!)
echo "main-job: cloudstate-tck proxy against cloudstate-proxy (intercepting)"
"$TCK" proxy --proxy "127.0.0.1:$port" --http "127.0.0.1:$port" --interceptor-port "$iport" \
  --function "127.0.0.1:$fport" --report-dir "$OUT/proxy" || status=$?

echo "main-job: reports in $OUT/function and $OUT/proxy (open report.html)"
exit "$status"
