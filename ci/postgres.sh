#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on a free loopback port for the tests, and exports
# CS_POSTGRES_URL for them. Source this file, then call start_postgres / stop_postgres.

start_postgres() {
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bindir" ]; then
    echo "postgres: server not installed; store tests that need it will be skipped" >&2
    return 0
  fi
  CS_PG_DIR="$(mktemp -d /tmp/cs-pg.XXXXXX)"
  chmod 755 "$CS_PG_DIR"
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$CS_PG_DIR"
    run_as=(runuser -u postgres --)
  fi
  CS_PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)"
  "${run_as[@]}" "$bindir/initdb" -D "$CS_PG_DIR/data" -U cloudstate --auth=trust >/dev/null
  "${run_as[@]}" "$bindir/pg_ctl" -D "$CS_PG_DIR/data" -l "$CS_PG_DIR/log" -w -t 120 \
    -o "-c listen_addresses=127.0.0.1 -p $CS_PG_PORT -k $CS_PG_DIR -c fsync=on" start >/dev/null
  "${run_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$CS_PG_PORT" -U cloudstate cloudstate
  export CS_POSTGRES_URL="postgresql://cloudstate@127.0.0.1:$CS_PG_PORT/cloudstate"
  export CS_PG_BINDIR="$bindir" CS_PG_DIR CS_PG_PORT
  echo "postgres: running at $CS_POSTGRES_URL"
}

stop_postgres() {
  if [ -n "${CS_PG_DIR:-}" ] && [ -d "$CS_PG_DIR/data" ]; then
    local run_as=()
    if [ "$(id -u)" -eq 0 ]; then
      run_as=(runuser -u postgres --)
    fi
    "${run_as[@]}" "$CS_PG_BINDIR/pg_ctl" -D "$CS_PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$CS_PG_DIR"
  fi
  # Without a server the postgres cases must skip, not fail on a dead URL.
  unset CS_POSTGRES_URL CS_PG_DIR CS_PG_PORT CS_PG_BINDIR
}
