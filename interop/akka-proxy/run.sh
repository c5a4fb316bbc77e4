#!/usr/bin/env bash
# The original Cloudstate Akka proxy (io.cloudstate:cloudstate-proxy-core_2.13, see pom.xml),
# run single-node in dev mode with in-memory stores, bound to 127.0.0.1 only.
#
#   run.sh build                          resolve the proxy + dependencies into the cache
#   run.sh start HTTP_PORT USER_FN_PORT   start it in the background against a user function
#                                         on 127.0.0.1:USER_FN_PORT; prints the pid once the
#                                         HTTP port accepts connections
#   run.sh stop                           stop it
#   run.sh status                         print pid and ports, exit 1 when not running
#
# Env: CS_INTEROP_CACHE (default ~/.cache/cloudstate-interop), CS_INTEROP_RUN_DIR (pid and
# log files; default $CS_INTEROP_CACHE/run), CS_INTEROP_START_TIMEOUT (seconds, default 180),
# CS_PROXY_JAVA_OPTS (extra JVM options, default -Xmx512m).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CS_COMPONENT=akka-proxy
# shellcheck source=SCRIPTDIR/../lib.sh
source "$HERE/../lib.sh"

MAIN_CLASS="io.cloudstate.proxy.CloudStateProxyMain"
M2="$CS_INTEROP_CACHE/m2"
OUT_DIR="$CS_INTEROP_CACHE/akka-proxy"
CLASSPATH_FILE="$OUT_DIR/classpath.txt"
STAMP="$OUT_DIR/.stamp"
RUN_DIR="$CS_INTEROP_RUN_DIR/akka-proxy"
PID_FILE="$RUN_DIR/proxy.pid"
PORT_FILE="$RUN_DIR/proxy.ports"
LOG_FILE="$RUN_DIR/proxy.log"

cmd_build() {
  cs_need java mvn
  mkdir -p "$OUT_DIR" "$M2"
  local stamp
  stamp="$(cs_stamp "$(java -version 2>&1 | head -n1)" "$HERE/pom.xml")"
  if [[ -s "$CLASSPATH_FILE" && -f "$STAMP" && "$(cat "$STAMP")" == "$stamp" ]]; then
    cs_log "up to date: $CLASSPATH_FILE"
    return 0
  fi
  cs_log "resolving the proxy and its dependencies into $M2"
  # -U: re-ask the registry for artifacts an earlier run found missing (Maven would
  # otherwise trust its cached "not found" for a day).
  if ! mvn -B -q -U -f "$HERE/pom.xml" -Dmaven.repo.local="$M2" \
      dependency:build-classpath -Dmdep.outputFile="$CLASSPATH_FILE.tmp" \
      -Dmdep.includeScope=runtime; then
    rm -f "$CLASSPATH_FILE.tmp"
    cs_die "Maven could not resolve the proxy (see interop/README.md, 'Akka proxy: status')"
  fi
  mv -f "$CLASSPATH_FILE.tmp" "$CLASSPATH_FILE"
  printf '%s\n' "$stamp" >"$STAMP"
  cs_log "classpath: $(tr ':' '\n' <"$CLASSPATH_FILE" | wc -l) jars"
}

cmd_start() {
  [[ $# -eq 2 ]] || cs_die "usage: run.sh start HTTP_PORT USER_FUNCTION_PORT"
  local http_port="$1" uf_port="$2" pid
  cs_check_port_arg "$http_port"
  cs_check_port_arg "$uf_port"
  mkdir -p "$RUN_DIR"
  if pid="$(cs_live_pid "$PID_FILE" "$MAIN_CLASS")"; then
    if [[ "$(cat "$PORT_FILE" 2>/dev/null)" == "$http_port $uf_port" ]]; then
      cs_log "already running (http 127.0.0.1:$http_port)"
      printf '%s\n' "$pid"
      return 0
    fi
    cs_die "already running (pid $pid, ports $(cat "$PORT_FILE" 2>/dev/null)); stop it first"
  fi
  cmd_build
  cs_port_open "$http_port" && cs_die "127.0.0.1:$http_port is already in use"
  cs_port_open "$uf_port" || cs_log "warning: nothing listens on 127.0.0.1:$uf_port yet"
  : >"$LOG_FILE"
  # dev-mode.conf includes in-memory.conf (in-memory journal, snapshot and value stores) and
  # sets dev-mode-enabled, so the proxy joins itself as a one-node cluster and does not start
  # Akka Management / cluster bootstrap. The -D overrides keep every socket on 127.0.0.1:
  # HTTP (its default interface is 0.0.0.0), Artery remoting on a free port (default 25520 on
  # the host's address), management and the Prometheus exporter (telemetry is off in dev
  # mode anyway; pinned in case a config turns it on).
  # shellcheck disable=SC2086
  USER_FUNCTION_HOST=127.0.0.1 USER_FUNCTION_PORT="$uf_port" HTTP_PORT="$http_port" \
  nohup java ${CS_PROXY_JAVA_OPTS:--Xmx512m} \
    -Dconfig.resource=dev-mode.conf \
    -Dcloudstate.proxy.dev-mode-enabled=true \
    -Dcloudstate.proxy.http-interface=127.0.0.1 \
    -Dcloudstate.proxy.http-port="$http_port" \
    -Dcloudstate.proxy.user-function-host=127.0.0.1 \
    -Dcloudstate.proxy.user-function-port="$uf_port" \
    -Dcloudstate.proxy.telemetry.disabled=true \
    -Dcloudstate.proxy.telemetry.prometheus.host=127.0.0.1 \
    -Dakka.remote.artery.canonical.hostname=127.0.0.1 \
    -Dakka.remote.artery.canonical.port=0 \
    -Dakka.remote.artery.bind.hostname=127.0.0.1 \
    -Dakka.remote.artery.bind.port=0 \
    -Dakka.management.http.hostname=127.0.0.1 \
    -Dakka.management.http.bind-hostname=127.0.0.1 \
    -Dakka.cluster.jmx.enabled=off \
    -Dakka.loglevel=INFO \
    -cp "$(cat "$CLASSPATH_FILE")" "$MAIN_CLASS" >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  printf '%s %s\n' "$http_port" "$uf_port" >"$PORT_FILE"
  # The proxy binds its HTTP port only after entity discovery with the user function
  # succeeded, so an open port means "ready to serve".
  if ! cs_wait_for_port "$pid" "$http_port" "$LOG_FILE"; then
    cs_stop "$PID_FILE" "$MAIN_CLASS"
    cs_die "proxy did not become ready (log: $LOG_FILE)"
  fi
  cs_log "ready on http://127.0.0.1:$http_port (pid $pid, log $LOG_FILE)"
  printf '%s\n' "$pid"
}

cmd_stop() {
  cs_stop "$PID_FILE" "$MAIN_CLASS"
}

cmd_status() {
  local pid
  pid="$(cs_live_pid "$PID_FILE" "$MAIN_CLASS")" || { cs_log "not running"; return 1; }
  printf 'pid %s ports %s log %s\n' "$pid" "$(cat "$PORT_FILE")" "$LOG_FILE"
}

case "${1:-}" in
  build) shift; cmd_build "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
