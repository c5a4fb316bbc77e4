#!/usr/bin/env bash
# Starts a throwaway single-member etcd (Debian package etcd-server, 3.4) on free loopback ports
# for the cluster tests, and exports CS_ETCD_ENDPOINT (host:port of its client URL). Source this
# file, then call start_etcd / stop_etcd. Without the server the cluster integration tests start
# their own etcd if the binary is installed, else they skip.

start_etcd() {
  local bin
  bin="$(command -v etcd 2>/dev/null || true)"
  if [ -z "$bin" ]; then
    echo "etcd: server not installed; cluster tests that need it will be skipped" >&2
    return 0
  fi
  CS_ETCD_DIR="$(mktemp -d /tmp/cs-etcd.XXXXXX)"
  local ports
  ports="$(python3 -c 'import socket
ss=[socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')"
  local client_port="${ports% *}" peer_port="${ports#* }"
  "$bin" --name cs-etcd --data-dir "$CS_ETCD_DIR/data" \
    --listen-client-urls "http://127.0.0.1:$client_port" \
    --advertise-client-urls "http://127.0.0.1:$client_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "cs-etcd=http://127.0.0.1:$peer_port" \
    --logger zap --log-outputs "$CS_ETCD_DIR/etcd.log" >"$CS_ETCD_DIR/stdout.log" 2>&1 &
  CS_ETCD_PID=$!
  # Ready when the v3 API answers (etcd's own health endpoint on the client URL).
  local i
  for i in $(seq 1 600); do
    if curl -fsS "http://127.0.0.1:$client_port/health" 2>/dev/null | grep -q '"health":"true"'; then
      export CS_ETCD_ENDPOINT="127.0.0.1:$client_port"
      export CS_ETCD_DIR CS_ETCD_PID
      echo "etcd: running at $CS_ETCD_ENDPOINT"
      return 0
    fi
    if ! kill -0 "$CS_ETCD_PID" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "etcd: failed to start; see $CS_ETCD_DIR/etcd.log" >&2
  cat "$CS_ETCD_DIR/etcd.log" >&2 2>/dev/null || true
  return 1
}

stop_etcd() {
  if [ -n "${CS_ETCD_PID:-}" ]; then
    kill "$CS_ETCD_PID" 2>/dev/null || true
    wait "$CS_ETCD_PID" 2>/dev/null || true
  fi
  if [ -n "${CS_ETCD_DIR:-}" ]; then
    rm -rf "$CS_ETCD_DIR"
  fi
  unset CS_ETCD_ENDPOINT CS_ETCD_DIR CS_ETCD_PID
}
