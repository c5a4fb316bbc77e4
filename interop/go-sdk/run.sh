#!/usr/bin/env bash
# The Cloudstate Go SDK (github.com/cloudstateio/go-support v0.3.0) TCK model function.
#
#   run.sh build          build tck_eventsourced + our probe into the cache (no-op when warm)
#   run.sh start PORT     serve on 127.0.0.1:PORT in the background; prints the pid
#   run.sh stop           stop it
#   run.sh status         print the pid and port, exit 1 when not running
#   run.sh probe CMD      run probe (discover|cart|empty-typeurl) against the running function
#
# Env: CS_INTEROP_CACHE (default ~/.cache/cloudstate-interop), CS_INTEROP_RUN_DIR (pid and
# log files; default $CS_INTEROP_CACHE/run), CS_INTEROP_START_TIMEOUT (seconds, default 180).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CS_COMPONENT=go-sdk
# shellcheck source=SCRIPTDIR/../lib.sh
source "$HERE/../lib.sh"

SDK_PKG="github.com/cloudstateio/go-support/tck/cmd/tck_eventsourced"
BIN_DIR="$CS_INTEROP_CACHE/go-sdk/bin"
BIN="$BIN_DIR/tck_eventsourced"
PROBE="$BIN_DIR/probe"
STAMP="$BIN_DIR/.stamp"
RUN_DIR="$CS_INTEROP_RUN_DIR/go-sdk"
PID_FILE="$RUN_DIR/tck_eventsourced.pid"
PORT_FILE="$RUN_DIR/tck_eventsourced.port"
LOG_FILE="$RUN_DIR/tck_eventsourced.log"

go_env() {
  export GOMODCACHE="$CS_INTEROP_CACHE/go/mod"
  export GOCACHE="$CS_INTEROP_CACHE/go/build"
  # Never switch toolchains behind our back, never rewrite go.mod/go.sum.
  export GOTOOLCHAIN=local
  export GOFLAGS="-mod=readonly -buildvcs=false"
  export CGO_ENABLED=0
}

cmd_build() {
  cs_need go
  go_env
  mkdir -p "$BIN_DIR" "$GOMODCACHE" "$GOCACHE"
  local stamp
  stamp="$(cs_stamp "$(go version)" "$HERE/go.mod" "$HERE/go.sum" "$HERE/tools.go" \
    "$HERE/probe/main.go")"
  if [[ -x "$BIN" && -x "$PROBE" && -f "$STAMP" && "$(cat "$STAMP")" == "$stamp" ]]; then
    cs_log "up to date: $BIN"
    return 0
  fi
  cs_log "building $SDK_PKG with $(go version)"
  (
    cd "$HERE"
    go mod download
    go build -trimpath -o "$BIN.tmp" "$SDK_PKG"
    go build -trimpath -o "$PROBE.tmp" ./probe
  )
  mv -f "$BIN.tmp" "$BIN"
  mv -f "$PROBE.tmp" "$PROBE"
  printf '%s\n' "$stamp" >"$STAMP"
  cs_log "built $BIN"
}

cmd_start() {
  [[ $# -eq 1 ]] || cs_die "usage: run.sh start PORT"
  local port="$1" pid
  cs_check_port_arg "$port"
  mkdir -p "$RUN_DIR"
  if pid="$(cs_live_pid "$PID_FILE" "$BIN")"; then
    if [[ "$(cat "$PORT_FILE" 2>/dev/null)" == "$port" ]]; then
      cs_log "already running on 127.0.0.1:$port"
      printf '%s\n' "$pid"
      return 0
    fi
    cs_die "already running (pid $pid) on port $(cat "$PORT_FILE" 2>/dev/null); stop it first"
  fi
  cmd_build
  cs_port_open "$port" && cs_die "127.0.0.1:$port is already in use"
  : >"$LOG_FILE"
  # The SDK reads HOST and PORT (both required) and listens on HOST:PORT.
  HOST=127.0.0.1 PORT="$port" nohup "$BIN" >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  printf '%s\n' "$port" >"$PORT_FILE"
  if ! cs_wait_for_port "$pid" "$port" "$LOG_FILE"; then
    cs_stop "$PID_FILE" "$BIN"
    cs_die "tck_eventsourced did not start (log: $LOG_FILE)"
  fi
  cs_log "listening on 127.0.0.1:$port (pid $pid, log $LOG_FILE)"
  printf '%s\n' "$pid"
}

cmd_stop() {
  cs_stop "$PID_FILE" "$BIN"
}

cmd_status() {
  local pid
  pid="$(cs_live_pid "$PID_FILE" "$BIN")" || { cs_log "not running"; return 1; }
  printf 'pid %s port %s log %s\n' "$pid" "$(cat "$PORT_FILE")" "$LOG_FILE"
}

cmd_probe() {
  [[ $# -ge 1 ]] || cs_die "usage: run.sh probe discover|cart|empty-typeurl [value|eventsourced|action]"
  cs_live_pid "$PID_FILE" "$BIN" >/dev/null || cs_die "not running; use: run.sh start PORT"
  [[ -x "$PROBE" ]] || cmd_build
  "$PROBE" -addr "127.0.0.1:$(cat "$PORT_FILE")" "$@"
}

case "${1:-}" in
  build) shift; cmd_build "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  probe) shift; cmd_probe "$@" ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
