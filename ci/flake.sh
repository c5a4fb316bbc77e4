#!/usr/bin/env bash
# Flake finder: runs the SDK suite (`cloudstate-tck run` against the reference function) and the
# proxy suite (`cloudstate-tck proxy`, intercepting, against the reference proxy in front of the
# reference function) N times in a row, then lists every case whose verdict was not the same in all
# runs (suite, case, count per verdict). Exit status 1 if any verdict changed or a run could not
# complete, 0 otherwise.
# Usage: ci/flake.sh [N]   (default 100)
# Env: CS_BUILD_DIR (default build/ci, must hold cloudstate-tck, -reference-function and -proxy),
#      CS_FLAKE_DIR (default $CS_BUILD_DIR/flake: one directory per run with reports and logs),
#      CS_FLAKE_JOBS (the SDK suite's --jobs, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
N="${1:-100}"
BIN="$(cd "${CS_BUILD_DIR:-build/ci}" && pwd)"
OUT="${CS_FLAKE_DIR:-$BIN/flake}"
JOBS="${CS_FLAKE_JOBS:-2}"
TCK="$BIN/tck/cloudstate-tck"
FUNCTION="$BIN/reference-function/cloudstate-reference-function"
PROXY="$BIN/reference-proxy/cloudstate-proxy"
for b in "$TCK" "$FUNCTION" "$PROXY"; do
  [ -x "$b" ] || { echo "flake: $b is missing (build it first)" >&2; exit 2; }
done
rm -rf "$OUT"
mkdir -p "$OUT"
VERDICTS="$OUT/verdicts.tsv"  # run, suite, case, outcome
: > "$VERDICTS"

pids=()
stop_children() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # A bounded wait for each to exit on SIGTERM, then SIGKILL.
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap stop_children EXIT

# await_port LOG REGEX: prints the first capture group of REGEX once LOG has a matching line
# (ports are chosen by the kernel, port 0); fails after 60 s.
await_port() {
  local log="$1" re="$2" port=""
  for _ in $(seq 1 600); do
    port="$(sed -nE "s/.*$re.*/\1/p" "$log" 2>/dev/null | head -n1)"
    if [ -n "$port" ]; then
      echo "$port"
      return 0
    fi
    sleep 0.1
  done
  echo "flake: no line matching '$re' in $log after 60 s" >&2
  return 1
}

# The interceptor's port has to be given to the proxy before the kit binds it, and the proxy opens
# its client port only once discovery through the interceptor succeeded, so neither can be port 0:
# the kernel picks free ones just before they are bound.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# record RUN SUITE RESULTS_JSON: appends the run's verdicts to $VERDICTS (or one "run-error" line).
record() {
  python3 - "$@" >> "$VERDICTS" <<'PY'
import json, sys
run, suite, path = sys.argv[1:4]
try:
    cases = json.load(open(path))["cases"]
except (OSError, ValueError, KeyError) as e:
    print(f"{run}\t{suite}\t(suite did not complete)\trun-error")
    sys.exit(0)
for c in cases:
    print(f"{run}\t{suite}\t{c['name']}\t{c['outcome']}")
PY
}

start=$(date +%s)
run_errors=0
for i in $(seq 1 "$N"); do
  dir="$OUT/$i"
  mkdir -p "$dir/function" "$dir/proxy"
  # 1. The SDK suite; the kit starts the function on a port of its choosing.
  cat > "$dir/function/tck.yaml" <<YAML
function:
  command: $FUNCTION
  args: ["--host", "127.0.0.1", "--port", "\${PORT}"]
  host: 127.0.0.1
  port: 0
  startup_timeout: 60
  restart: true
  log_file: function.log
YAML
  rc=0
  "$TCK" run --config "$dir/function/tck.yaml" --jobs "$JOBS" --report-dir "$dir/function" \
    > "$dir/function/tck.out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && run_errors=$((run_errors + 1))
  record "$i" sdk "$dir/function/results.json"

  # 2. The proxy suite: function <- interceptor (the kit) <- cloudstate-proxy <- client (the kit).
  "$FUNCTION" --host 127.0.0.1 --port 0 > "$dir/proxy/function.log" 2>&1 &
  pids+=($!)
  iport=$(free_port)
  port=$(free_port)
  "$PROXY" --bind 127.0.0.1 --user-function "127.0.0.1:$iport" --http-port "$port" \
    --store "sqlite:$dir/proxy/state.db" > "$dir/proxy/proxy.log" 2>&1 &
  pids+=($!)
  rc=0
  if fport=$(await_port "$dir/proxy/function.log" 'listening on 127\.0\.0\.1:([0-9]+)'); then
    "$TCK" proxy --proxy "127.0.0.1:$port" --http "127.0.0.1:$port" --interceptor-port "$iport" \
      --function "127.0.0.1:$fport" --report-dir "$dir/proxy" > "$dir/proxy/tck.out" 2>&1 || rc=$?
  else
    rc=2
  fi
  [ "$rc" -eq 2 ] && run_errors=$((run_errors + 1))
  stop_children
  record "$i" proxy "$dir/proxy/results.json"
  echo "flake: run $i/$N done ($(( $(date +%s) - start )) s)"
done
wall=$(( $(date +%s) - start ))

# Cases whose verdict differs between runs, with the count of each verdict and the first runs of
# the rarer verdicts (their reports and logs are in $OUT/<run>/).
status=0
python3 - "$VERDICTS" "$N" > "$OUT/summary.txt" <<'PY' || status=1
import collections, sys
path, n = sys.argv[1], int(sys.argv[2])
counts = collections.defaultdict(collections.Counter)
runs = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(path):
    run, suite, name, outcome = line.rstrip("\n").split("\t")
    counts[(suite, name)][outcome] += 1
    runs[(suite, name)][outcome].append(run)
changed = []
for key, c in sorted(counts.items()):
    # A case missing from some runs changed too (its suite did not complete there).
    missing = n - sum(c.values())
    if missing > 0:
        c["absent"] = missing
    if len(c) > 1:
        changed.append(key)
per_suite = collections.Counter(suite for suite, _ in counts)
print(f"flake: {n} runs; cases per suite: " +
      ", ".join(f"{s} {k}" for s, k in sorted(per_suite.items())))
never_passed = [k for k, c in counts.items() if len(c) == 1 and "passed" not in c]
for suite, name in sorted(never_passed):
    print(f"flake: steady non-passing verdict: {suite} {name} {dict(counts[(suite, name)])}")
for suite, name in changed:
    c = counts[(suite, name)]
    rare = min(c, key=c.get)
    where = ",".join(runs[(suite, name)][rare][:5])
    verdicts = " ".join(f"{o}={k}" for o, k in sorted(c.items()))
    print(f"flake: CHANGED {suite} {name}: {verdicts} (runs with {rare}: {where})")
print(f"flake: {len(changed)} case(s) changed verdict")
sys.exit(1 if changed else 0)
PY
cat "$OUT/summary.txt"
echo "flake: $run_errors suite run(s) ended with an error (exit 2)"
echo "flake: wall time $wall s for $N runs (reports and logs in $OUT)"
if [ "$run_errors" -ne 0 ]; then
  status=1
fi
exit "$status"
