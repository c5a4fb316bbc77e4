#!/usr/bin/env bash
# A short `cloudstate-tck bench` run through the reference proxy: starts a user function and
# cloudstate-proxy in front of it on free loopback ports, then benches the proxy with the function
# driven directly as a second baseline (the kit's echo server is the first). Nothing here judges a
# timing: the exit status is bench's (0 = every request answered, 1 = some failed, 2 = could not
# run).
#
#   ci/bench.sh [reference|go-sdk]      default: reference
#
# reference: build/<preset>/reference-function/cloudstate-reference-function
# go-sdk:    the Go SDK TCK function via interop/go-sdk/run.sh (built on first use; needs Go)
#
# Env: BUILD_DIR (default build/${CS_PRESET:-ci}; cloudstate-tck and cloudstate-proxy must be
# built; CS_BENCH_PROXY overrides the proxy binary), CS_BENCH_OUT (default out/bench; reports in $CS_BENCH_OUT/<function>/),
# CS_BENCH_DURATION (seconds per phase, default 0.5), CS_BENCH_RATE (open loop, default 200/s),
# CS_BENCH_CONCURRENCY (default 1,8,32), CS_BENCH_SCENARIOS (default: all),
# CS_BENCH_DISTRIBUTIONS (default hot,uniform-100,new), CS_BENCH_START_TIMEOUT (seconds, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
KIND="${1:-reference}"
BUILD="${BUILD_DIR:-$ROOT/build/${CS_PRESET:-ci}}"
OUT="${CS_BENCH_OUT:-$ROOT/out/bench}/$KIND"
TCK="$BUILD/tck/cloudstate-tck"
PROXY="${CS_BENCH_PROXY:-$BUILD/reference-proxy/cloudstate-proxy}"
RF="$BUILD/reference-function/cloudstate-reference-function"
GO_RUN="$ROOT/interop/go-sdk/run.sh"
START_TIMEOUT="${CS_BENCH_START_TIMEOUT:-60}"

log() { printf 'bench.sh: %s\n' "$*" >&2; }

case "$KIND" in
  reference | go-sdk) ;;
  *)
    log "unknown function '$KIND' (reference or go-sdk)"
    exit 2
    ;;
esac
# Both functions serve every scenario (the Go SDK's TCK model includes the shopping cart).
SCENARIOS="${CS_BENCH_SCENARIOS:-cart-add,es-emit,value-update,crdt-counter,crdt-set,action-unary,action-streamed}"
DISTRIBUTIONS="${CS_BENCH_DISTRIBUTIONS:-hot,uniform-100,new}"

for bin in "$TCK" "$PROXY"; do
  [[ -x "$bin" ]] || { log "missing $bin (build it, or set BUILD_DIR)"; exit 2; }
done
rm -rf "$OUT"
mkdir -p "$OUT/logs"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits until 127.0.0.1:PORT accepts connections while PID lives.
wait_port() {
  local pid="$1" port="$2" logfile="$3" deadline=$(( SECONDS + START_TIMEOUT ))
  until port_open "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "pid $pid exited before 127.0.0.1:$port opened; last log lines:"
      tail -n 30 "$logfile" >&2 || true
      return 1
    fi
    if (( SECONDS >= deadline )); then
      log "127.0.0.1:$port not open after ${START_TIMEOUT}s"
      return 1
    fi
    sleep 0.2  # polling a port another process opens; bounded by the deadline above
  done
}

pids=()
go_started=0
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if (( go_started )); then
    CS_INTEROP_RUN_DIR="$OUT/run" "$GO_RUN" stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# The user function.
fport="$(free_port)"
if [[ "$KIND" == reference ]]; then
  [[ -x "$RF" ]] || { log "missing $RF"; exit 2; }
  "$RF" --host 127.0.0.1 --port "$fport" >"$OUT/logs/function.log" 2>&1 &
  fpid=$!
  pids+=("$fpid")
  flog="$OUT/logs/function.log"
else
  "$GO_RUN" build >"$OUT/logs/go-build.log" 2>&1 || { log "Go SDK build failed"; \
    tail -n 30 "$OUT/logs/go-build.log" >&2; exit 2; }
  go_started=1
  fpid="$(CS_INTEROP_RUN_DIR="$OUT/run" "$GO_RUN" start "$fport" 2>"$OUT/logs/go-start.log" \
    | tail -n 1)"
  flog="$OUT/run/go-sdk/tck_eventsourced.log"
fi
wait_port "$fpid" "$fport" "$flog" || exit 2

# The proxy: its whole command line, and the addresses bench uses, live here. The current proxy
# serves gRPC and HTTP/JSON on one client port (--http-port); an older build had a gRPC port of
# its own (--grpc-port), told apart by its --help.
gport="$(free_port)"
GRPC_ADDRESS="127.0.0.1:$gport"  # the proxy's gRPC API
if "$PROXY" --help 2>&1 | grep -q -- '--management-port'; then
  HTTP_ADDRESS="$GRPC_ADDRESS"   # HTTP/JSON on the same socket
  PORT_ARGS=(--http-port "$gport")
else
  hport="$(free_port)"
  HTTP_ADDRESS="127.0.0.1:$hport"
  PORT_ARGS=(--grpc-port "$gport" --http-port "$hport")
fi
start_proxy() {
  "$PROXY" --bind 127.0.0.1 --user-function "127.0.0.1:$fport" "${PORT_ARGS[@]}" \
    --store memory --log-level warn >"$OUT/logs/proxy.log" 2>&1 &
  ppid=$!
  pids+=("$ppid")
}
start_proxy
wait_port "$ppid" "$gport" "$OUT/logs/proxy.log" || exit 2

log "cloudstate-tck bench: $KIND function behind cloudstate-proxy -> $OUT"
rc=0
"$TCK" bench --proxy "$GRPC_ADDRESS" --http "$HTTP_ADDRESS" --function "127.0.0.1:$fport" \
  --target-pid "$ppid" --function-pid "$fpid" \
  --scenario "$SCENARIOS" --distribution "$DISTRIBUTIONS" \
  --duration "${CS_BENCH_DURATION:-0.5}" --warmup 0.2 --rate "${CS_BENCH_RATE:-200}" \
  --concurrency "${CS_BENCH_CONCURRENCY:-1,8,32}" --report-dir "$OUT" \
  2> >(tee "$OUT/logs/bench.log" >&2) || rc=$?
log "reports: $OUT/bench.html, bench.json, ctrf.json (exit $rc)"
exit "$rc"
