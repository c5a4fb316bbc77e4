#!/usr/bin/env bash
# ci/interop.sh BUILD_DIR — the kit against real protocol 0.2 peers, and the interop matrix.
#
#   rows:    reference function (ours), Go SDK TCK function (go-support v0.3.0)
#   columns: direct (the kit plays the proxy: `cloudstate-tck run`),
#            cloudstate-proxy (our reference proxy between the kit's proxy suite and the function:
#            `cloudstate-tck proxy`, intercepting mode),
#            Akka proxy (blocked: its artifact is not in the reachable Maven registry)
#
# Steps (each timed): build the Go SDK function (interop/go-sdk/run.sh build); direct runs
# (`cloudstate-tck run --config --jobs N`, the kit starts the function, charges a death to the
# case that caused it and restarts it; the Go SDK with interop/go-sdk/known-failing.txt); proxy-suite runs through cloudstate-proxy;
# matrix -> $OUT/MATRIX.md (printed). Everything listens on 127.0.0.1 (cloudstate-proxy is
# configured only with the original's HTTP_PORT, USER_FUNCTION_* and -Dcloudstate.proxy.*
# settings). Everything started here is stopped on exit (trap). Exit
# status: 0 when every run passed its verdict (no unexpected failure beyond its known-failing
# list), 1 when one did not, 2 on a setup error.
#
# Needs: BUILD_DIR with cloudstate-tck, cloudstate-reference-function, cloudstate-proxy built;
# Go (see interop/README.md); jq.
# Env: CS_INTEROP_OUT (default <repo>/out/interop), CS_INTEROP_CACHE (Go module/build cache,
# default ~/.cache/cloudstate-interop), CS_INTEROP_TIME_SCALE (kit --time-scale, default 2),
# CS_INTEROP_JOBS (kit --jobs of the direct runs, default 2),
# CS_INTEROP_STOP_GRACE (seconds between TERM and KILL when stopping, default 15),
# CS_INTEROP_PROXY_KNOWN_FAILING (optional known-failing file for the proxy-suite runs).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CS_COMPONENT=ci-interop
# shellcheck source=interop/lib.sh
source "$ROOT/interop/lib.sh"

[[ $# -eq 1 ]] || { sed -n '2,24p' "$0" >&2; exit 2; }
[[ -d "$1" ]] || cs_die "no build directory: $1"
BUILD="$(cd "$1" && pwd)"
TCK="$BUILD/tck/cloudstate-tck"
RF="$BUILD/reference-function/cloudstate-reference-function"
PROXY="$BUILD/reference-proxy/cloudstate-proxy"
for bin in "$TCK" "$RF" "$PROXY"; do
  [[ -x "$bin" ]] || { cs_log "error: $bin is not built"; exit 2; }
done
cs_need jq

OUT="${CS_INTEROP_OUT:-$ROOT/out/interop}"
SCALE="${CS_INTEROP_TIME_SCALE:-2}"
JOBS="${CS_INTEROP_JOBS:-2}"
STOP_GRACE="${CS_INTEROP_STOP_GRACE:-15}"
GO_KNOWN="$ROOT/interop/go-sdk/known-failing.txt"
RF_KNOWN="$ROOT/tck/test/reference-function.known-failing"
SPEC="$ROOT/spec"
AKKA_BLOCKED="blocked: io.cloudstate:cloudstate-proxy-core_2.13:0.6.0 is not in the reachable Maven registry"
# Our own pid/port/log files for run.sh, so that an instance someone else started in the default
# run directory is neither reused nor stopped by us.
export CS_INTEROP_RUN_DIR="$OUT/run"
GO_RUN="$ROOT/interop/go-sdk/run.sh"

rm -rf "$OUT/go-sdk-direct" "$OUT/reference-direct" \
  "$OUT/reference-cloudstate-proxy" "$OUT/go-sdk-cloudstate-proxy" "$OUT/logs"
mkdir -p "$OUT/logs" "$CS_INTEROP_RUN_DIR"

# ---- process bookkeeping: only what we started, stopped by pid ----
STARTED_PIDS=()
GO_STARTED=0

stop_pid() {
  local pid="$1" deadline
  cs_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( SECONDS + STOP_GRACE ))
  while cs_alive "$pid"; do
    if (( SECONDS >= deadline )); then
      cs_log "pid $pid still running ${STOP_GRACE}s after TERM; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local i
  for (( i=${#STARTED_PIDS[@]}-1; i>=0; i-- )); do
    stop_pid "${STARTED_PIDS[$i]}"
  done
  STARTED_PIDS=()
  if (( GO_STARTED )); then
    "$GO_RUN" stop >/dev/null 2>&1 || true
    GO_STARTED=0
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free TCP port on 127.0.0.1 that we have not handed out yet in this run.
USED_PORTS=" "
free_port() {
  local p _
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    cs_port_open "$p" && continue
    USED_PORTS+="$p "
    printf '%s\n' "$p"
    return 0
  done
  cs_die "no free port found"
}

wait_port() {  # PID PORT LOG
  CS_INTEROP_START_TIMEOUT=60 cs_wait_for_port "$@"
}

# ---- timing ----
STEP_NAMES=()
STEP_TIMES=()
STEP_RCS=()
now() { date +%s.%N; }
record_step() {  # NAME START RC
  local secs
  secs="$(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  STEP_NAMES+=("$1")
  STEP_TIMES+=("$secs")
  STEP_RCS+=("$3")
  cs_log "step '$1': ${secs}s (exit $3)"
}

# ---- matrix cells ----
declare -A CELL
OVERALL=0

# "P pass / F fail (K known) / S skip · robustness R/N" from a report directory's summary.json
# (required and optional cases, then the robustness cases, which are counted apart).
cell_counts() {
  local dir="$1"
  [[ -f "$dir/summary.json" ]] || { printf 'no report (%s)' "${dir#"$ROOT/"}"; return; }
  jq -r '.counts as $c
    | "\($c.passed + $c.unexpected_passes) pass / \($c.failed + $c.expected_failures) fail"
      + (if $c.expected_failures > 0 then " (\($c.expected_failures) known)" else "" end)
      + " / \($c.skipped) skip"
      + (if (.robustness.counts.total // 0) > 0 then
           " · robustness \(.robustness.counts.passed + .robustness.counts.unexpected_passes)/\(.robustness.counts.total - .robustness.counts.skipped)"
         else "" end)' "$dir/summary.json"
}

set_cell() {  # ROW COL REPORT_DIR RC [NOTE]
  local verdict
  case "$4" in
    0) verdict="verdict ok" ;;
    1) verdict="**verdict failed**"; OVERALL=1 ;;
    *) verdict="**run error (exit $4)**"; OVERALL=1 ;;
  esac
  CELL["$1,$2"]="$(cell_counts "$3"), $verdict${5:+; $5}"
}

# ---- step 1: the Go SDK function ----
t=$(now)
"$GO_RUN" build
rc=$?
record_step "go-sdk build (interop/go-sdk/run.sh build)" "$t" "$rc"
GO_OK=$(( rc == 0 ))

# ---- step 2: direct runs (the kit starts and supervises the function) ----
RF_CONFIG="$OUT/logs/reference-function.yaml"
cat >"$RF_CONFIG" <<EOF
function:
  command: $RF
  args: ["--host", "\${HOST}", "--port", "\${PORT}"]
  host: 127.0.0.1
  port: 0
  startup_timeout: 60
  restart: true
  log_file: reference-function.log
EOF

t=$(now)
"$TCK" run --config "$RF_CONFIG" --known-failing "$RF_KNOWN" --spec-dir "$SPEC" \
  --time-scale "$SCALE" --jobs "$JOBS" --report-dir "$OUT/reference-direct" >"$OUT/logs/reference-direct.txt" 2>&1
rc=$?
record_step "reference function, direct (cloudstate-tck run)" "$t" "$rc"
tail -n 1 "$OUT/logs/reference-direct.txt"
set_cell ref direct "$OUT/reference-direct" "$rc"

if (( GO_OK )); then
  t=$(now)
  "$TCK" run --config "$ROOT/interop/go-sdk/tck.yaml" --known-failing "$GO_KNOWN" \
    --spec-dir "$SPEC" --time-scale "$SCALE" --jobs "$JOBS" --report-dir "$OUT/go-sdk-direct" \
    >"$OUT/logs/go-sdk-direct.txt" 2>&1
  rc=$?
  record_step "Go SDK, direct (cloudstate-tck run --config interop/go-sdk/tck.yaml)" "$t" "$rc"
  tail -n 1 "$OUT/logs/go-sdk-direct.txt"
  set_cell go direct "$OUT/go-sdk-direct" "$rc"
else
  CELL["go,direct"]="**not run: Go SDK build failed**"
  OVERALL=1
fi

# ---- step 3: proxy-suite runs through cloudstate-proxy (intercepting mode) ----
PROXY_KNOWN=()
[[ -n "${CS_INTEROP_PROXY_KNOWN_FAILING:-}" ]] && PROXY_KNOWN=(--known-failing "$CS_INTEROP_PROXY_KNOWN_FAILING")

# ROW NAME FUNCTION_PORT: proxy <- interceptor <- function; the function already listens.
run_proxy_suite() {
  local row="$1" name="$2" fport="$3" iport port ppid rc
  iport="$(free_port)"; port="$(free_port)"
  # Configured like the original proxy, by its environment variables and one of its own -D
  # settings: gRPC and HTTP/JSON on the one port, bound to loopback (the original's
  # http-interface; its default is 0.0.0.0). The proxy retries discovery with backoff until the
  # kit's interceptor listens.
  HTTP_PORT="$port" USER_FUNCTION_HOST=127.0.0.1 USER_FUNCTION_PORT="$iport" \
    "$PROXY" -Dcloudstate.proxy.http-interface=127.0.0.1 >"$OUT/logs/$name-proxy.log" 2>&1 &
  ppid=$!
  STARTED_PIDS+=("$ppid")
  "$TCK" proxy --proxy "127.0.0.1:$port" --http "127.0.0.1:$port" \
    --interceptor-port "$iport" --function "127.0.0.1:$fport" --startup-timeout 60 \
    --spec-dir "$SPEC" --time-scale "$SCALE" --report-dir "$OUT/$name" "${PROXY_KNOWN[@]}" \
    >"$OUT/logs/$name.txt" 2>&1
  rc=$?
  tail -n 1 "$OUT/logs/$name.txt"
  stop_pid "$ppid"
  set_cell "$row" proxy "$OUT/$name" "$rc"
  return "$rc"
}

if ! "$TCK" proxy --help >/dev/null 2>&1; then
  CELL["ref,proxy"]="not run: proxy suite unavailable"
  CELL["go,proxy"]="not run: proxy suite unavailable"
else
  # Reference function behind cloudstate-proxy.
  t=$(now)
  fport="$(free_port)"
  "$RF" --host 127.0.0.1 --port "$fport" >"$OUT/logs/reference-function-behind-proxy.log" 2>&1 &
  fpid=$!
  STARTED_PIDS+=("$fpid")
  if wait_port "$fpid" "$fport" "$OUT/logs/reference-function-behind-proxy.log"; then
    run_proxy_suite ref reference-cloudstate-proxy "$fport"
    rc=$?
  else
    rc=2
    CELL["ref,proxy"]="**not run: the reference function did not start**"
    OVERALL=1
  fi
  stop_pid "$fpid"
  record_step "reference function behind cloudstate-proxy (cloudstate-tck proxy)" "$t" "$rc"

  # Go SDK behind cloudstate-proxy: started by interop/go-sdk/run.sh (nothing restarts it here).
  if (( GO_OK )); then
    t=$(now)
    fport="$(free_port)"
    if "$GO_RUN" start "$fport" >/dev/null; then
      GO_STARTED=1
      run_proxy_suite go go-sdk-cloudstate-proxy "$fport"
      rc=$?
      if ! "$GO_RUN" status >/dev/null 2>&1; then
        cs_log "warning: the Go SDK function died during the proxy suite (log: $CS_INTEROP_RUN_DIR/go-sdk/tck_eventsourced.log)"
        CELL["go,proxy"]+="; the Go function died during the run"
      fi
      cp -f "$CS_INTEROP_RUN_DIR/go-sdk/tck_eventsourced.log" "$OUT/logs/go-sdk-behind-proxy.log" 2>/dev/null
      "$GO_RUN" stop >/dev/null 2>&1
      GO_STARTED=0
    else
      rc=2
      CELL["go,proxy"]="**not run: the Go SDK function did not start**"
      OVERALL=1
    fi
    record_step "Go SDK behind cloudstate-proxy (cloudstate-tck proxy)" "$t" "$rc"
  else
    CELL["go,proxy"]="**not run: Go SDK build failed**"
  fi
fi

# ---- step 4: the Akka proxy column ----
CELL["ref,akka"]="$AKKA_BLOCKED"
CELL["go,akka"]="$AKKA_BLOCKED"

# ---- step 5: the matrix ----
total=0
for s in "${STEP_TIMES[@]}"; do total="$(awk -v a="$total" -v b="$s" 'BEGIN { printf "%.1f", a + b }')"; done
{
  echo "# Interop matrix"
  echo
  echo "Generated $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`ci/interop.sh ${1}\` on $(hostname)"
  echo "(kit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' + local changes'), time scale $SCALE)."
  echo "Each cell: cases passed / failed (of which known-failing) / skipped, then the run's verdict"
  echo "(ok = no failure beyond the known-failing list). Reports: \`${OUT#"$ROOT/"}/<run>/\`."
  echo
  echo "| Function \\ Proxy | direct (kit as proxy, \`cloudstate-tck run\`) | cloudstate-proxy (\`cloudstate-tck proxy\`, intercepting) | Akka proxy 0.6.0 |"
  echo "|---|---|---|---|"
  echo "| reference function | ${CELL[ref,direct]} | ${CELL[ref,proxy]} | ${CELL[ref,akka]} |"
  echo "| Go SDK (go-support v0.3.0) | ${CELL[go,direct]:-not run} | ${CELL[go,proxy]:-not run} | ${CELL[go,akka]} |"
  echo
  echo "Known-failing lists: reference function \`tck/test/reference-function.known-failing\`;"
  echo "Go SDK direct \`interop/go-sdk/known-failing.txt\`; proxy-suite runs ${CS_INTEROP_PROXY_KNOWN_FAILING:-none}."
  echo
  echo "| Step | Wall time | Exit |"
  echo "|---|---|---|"
  for i in "${!STEP_NAMES[@]}"; do
    echo "| ${STEP_NAMES[$i]} | ${STEP_TIMES[$i]} s | ${STEP_RCS[$i]} |"
  done
  echo "| **total** | **${total} s** | $OVERALL |"
} >"$OUT/MATRIX.md"
echo
cat "$OUT/MATRIX.md"
exit "$OVERALL"
