#!/usr/bin/env bash
# End-to-end check of the two real peers, everything on 127.0.0.1:
#   1. the Go SDK TCK function: build, start, discover + shopping-cart exchange via probe;
#   2. unless --go-only: the Akka proxy in front of it, shopping cart over HTTP/JSON with curl.
# Both are stopped on exit, whatever happened.
#
#   smoke.sh [--go-only] [USER_FUNCTION_PORT [HTTP_PORT]]   (defaults: first free from 18080/19000)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CS_COMPONENT=smoke
# shellcheck source=SCRIPTDIR/lib.sh
source "$HERE/lib.sh"

go_only=0
if [[ "${1:-}" == "--go-only" ]]; then
  go_only=1
  shift
fi

free_port_from() {
  local port="$1"
  while cs_port_open "$port"; do
    port=$((port + 1))
  done
  printf '%s\n' "$port"
}

uf_port="${1:-$(free_port_from 18080)}"
http_port="${2:-$(free_port_from 19000)}"

cleanup() {
  "$HERE/akka-proxy/run.sh" stop >/dev/null 2>&1 || true
  "$HERE/go-sdk/run.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

t0=$SECONDS
"$HERE/go-sdk/run.sh" build
cs_log "go-sdk build: $((SECONDS - t0))s"
t0=$SECONDS
"$HERE/go-sdk/run.sh" start "$uf_port" >/dev/null
cs_log "go-sdk start: $((SECONDS - t0))s"
discovered="$("$HERE/go-sdk/run.sh" probe discover)"
printf '%s\n' "${discovered%%$'\n'*}"
grep -q '"protocolMinorVersion":2' <<<"$discovered" || cs_die "discovery: not protocol 0.2"
cart="$("$HERE/go-sdk/run.sh" probe cart)"
printf '%s\n' "$cart"
grep -q '"productId":"p1"' <<<"$cart" || cs_die "shopping cart over gRPC: unexpected reply"
cs_log "go-sdk: discovery and shopping cart OK"

if (( go_only )); then
  exit 0
fi

cs_need curl
t0=$SECONDS
"$HERE/akka-proxy/run.sh" build
cs_log "akka-proxy build: $((SECONDS - t0))s"
t0=$SECONDS
"$HERE/akka-proxy/run.sh" start "$http_port" "$uf_port" >/dev/null
cs_log "akka-proxy start (to HTTP port open): $((SECONDS - t0))s"

base="http://127.0.0.1:$http_port"
curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' \
  -d '{"productId":"p1","name":"Widget","quantity":2}' "$base/cart/smoke-user/items/add"
echo
got="$(curl -fsS --max-time 30 "$base/carts/smoke-user")"
printf '%s\n' "$got"
grep -q '"p1"' <<<"$got" || cs_die "shopping cart over HTTP: unexpected reply"
cs_log "akka-proxy: shopping cart over HTTP/JSON OK"
