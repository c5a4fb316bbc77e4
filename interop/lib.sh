# shellcheck shell=bash
# Shared helpers for interop/*/run.sh. Sourced, never executed.
# Everything started here listens on 127.0.0.1 only.

CS_INTEROP_CACHE="${CS_INTEROP_CACHE:-$HOME/.cache/cloudstate-interop}"
CS_INTEROP_RUN_DIR="${CS_INTEROP_RUN_DIR:-$CS_INTEROP_CACHE/run}"
# Seconds `start` waits for the port before giving up. Generous: a cold JVM on a busy
# 2-core CI machine can take a while.
CS_INTEROP_START_TIMEOUT="${CS_INTEROP_START_TIMEOUT:-180}"
CS_INTEROP_STOP_TIMEOUT="${CS_INTEROP_STOP_TIMEOUT:-30}"

cs_log() { printf '[%s] %s\n' "${CS_COMPONENT:-interop}" "$*" >&2; }
cs_die() { cs_log "error: $*"; exit 1; }

cs_need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || cs_die "'$tool' not found on PATH (see interop/README.md)"
  done
}

cs_check_port_arg() {
  if ! [[ "$1" =~ ^[0-9]+$ ]] || (( $1 < 1 || $1 > 65535 )); then
    cs_die "not a TCP port: '$1'"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
cs_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Hash of the given files plus a tool version line: the input stamp for idempotent builds.
cs_stamp() {
  local version_line="$1"
  shift
  { printf '%s\n' "$version_line"; cat "$@"; } | sha256sum | cut -d' ' -f1
}

# True while pid $1 exists and is not a zombie (a dead child of ours stays a zombie until
# reaped, and kill -0 still succeeds on it).
cs_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Pid from pid file $1 when that process is alive and its command line contains $2.
# Checking the command line keeps a recycled pid from being mistaken for ours.
cs_live_pid() {
  local pid_file="$1" marker="$2" pid
  [[ -f "$pid_file" ]] || return 1
  pid="$(cat "$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cs_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  printf '%s\n' "$pid"
}

# Waits until 127.0.0.1:$port accepts connections, failing early if pid $pid exits.
cs_wait_for_port() {
  local pid="$1" port="$2" log_file="$3" deadline
  deadline=$(( SECONDS + CS_INTEROP_START_TIMEOUT ))
  while ! cs_port_open "$port"; do
    if ! cs_alive "$pid"; then
      cs_log "process $pid exited before 127.0.0.1:$port opened; last log lines:"
      tail -n 40 "$log_file" >&2 || true
      return 1
    fi
    if (( SECONDS >= deadline )); then
      cs_log "127.0.0.1:$port not open after ${CS_INTEROP_START_TIMEOUT}s; last log lines:"
      tail -n 40 "$log_file" >&2 || true
      return 1
    fi
    sleep 0.1
  done
}

# Stops the process recorded in $1 (if it is ours: see cs_live_pid), TERM then KILL.
cs_stop() {
  local pid_file="$1" marker="$2" pid deadline
  if ! pid="$(cs_live_pid "$pid_file" "$marker")"; then
    rm -f "$pid_file"
    cs_log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( SECONDS + CS_INTEROP_STOP_TIMEOUT ))
  while cs_alive "$pid"; do
    if (( SECONDS >= deadline )); then
      cs_log "pid $pid ignored TERM for ${CS_INTEROP_STOP_TIMEOUT}s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  rm -f "$pid_file"
  cs_log "stopped pid $pid"
}
