#!/usr/bin/env bash
# Builds and runs a subset of the tests under sanitizers, each in its own build directory:
#   build/asan (preset asan, gcc): AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer);
#   build/tsan (preset tsan, clang-14): ThreadSanitizer.
# Only the test targets run are built (with the reference function and proxy binaries the
# integration tests start); docs/DEVELOPING.md says which and why. Every process, also the
# children the integration tests start, writes its sanitizer reports to
# build/<san>/sanitizer-reports/; any report, or any failing test, fails the step.
# Suppressions, each with its reason, are in ci/sanitizers/.
# Usage: ci/sanitizers.sh [asan|tsan|all] (default all)
# Env: CS_SANITIZER_REPEAT=N (default 3): the two tests once seen to abort at shutdown
#      (issue #16 item 8) are run N more times each; CS_SANITIZER_TARGETS="a b" overrides the
#      test targets (e.g. every test binary, see docs/DEVELOPING.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export CCACHE_BASEDIR="$ROOT"
WHICH="${1:-all}"
SUPP="$ROOT/ci/sanitizers"
REPEAT="${CS_SANITIZER_REPEAT:-3}"
# Instrumented code is 2-15 times slower; the integration tests' waits scale with these.
export CS_TIME_SCALE="${CS_TIME_SCALE:-4}" CS_TEST_TIMEOUT_SCALE="${CS_TEST_TIMEOUT_SCALE:-4}"

ASAN_TARGETS=(common_test sdk_test sdk_integration_test proxy_test proxy_integration_test)
# Not proxy_integration_test under TSan: with Debian's uninstrumented gRPC it reports races whose
# ordering runs through gRPC (the entity model written before the server starts, read by a request
# it serves), see docs/DEVELOPING.md.
TSAN_TARGETS=(sdk_test sdk_integration_test proxy_test)
# Binaries the integration tests start (instrumented too, so their reports count).
SERVERS=(cloudstate-reference-function cloudstate-proxy)
# Known failures, each an open finding named in docs/DEVELOPING.md (never a flake retried away):
# under asan only, the reflection listing of the in-process proxy holds just the reflection service.
ASAN_EXCLUDE="TckModelTest.ServerReflectionOfDiscoveredServices"
TSAN_EXCLUDE=""
# issue #16 item 8: "ref_counted.h:183 assertion failed: prior > 0" after "shutdown complete".
SHUTDOWN_TESTS="ProxyIntegrationTest.ShoppingCartThroughProxy:TckModelTest.CrdtPNCounterWithDeleteCP1"

# timed NAME COMMAND...: runs COMMAND, then prints its wall time, CPU time and the load average.
timed() {
  local name="$1" t0 rc=0
  shift
  t0=$(date +%s)
  local cpu0
  cpu0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  "$@" || rc=$?
  # Children's CPU (user + system, in clock ticks) as accounted to this shell once they are reaped.
  local cpu1
  cpu1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  echo "sanitizers: $name took $(( $(date +%s) - t0 )) s wall," \
    "$(( (cpu1 - cpu0) / $(getconf CLK_TCK) )) s CPU (load $(cut -d' ' -f1-3 /proc/loadavg))"
  return $rc
}

# run_tests DIR BIN...: runs each test binary (two at a time), then the shutdown tests REPEAT
# times; fails if a test fails or any process left a sanitizer report.
run_tests() {
  local dir="$1"
  shift
  local bins=() failed=0
  for t in "$@"; do
    local bin
    bin="$(find "$dir" -maxdepth 3 -type f -name "$t" -perm -u+x | head -n1)"
    if [ -z "$bin" ]; then
      echo "sanitizers: $t was not built"
      return 1
    fi
    bins+=("$bin")
  done
  # Store contract tests against PostgreSQL skip themselves without CS_POSTGRES_URL.
  printf '%s\n' "${bins[@]}" | xargs -P2 -I{} sh -c \
    'log="'"$dir"'/$(basename {}).log"; t0=$(date +%s); \
     if {} --gtest_brief=1 --gtest_filter="-'"$EXCLUDE"'" > "$log" 2>&1; then \
       echo "sanitizers: $(basename {}) passed ($(grep -ho "\[  PASSED  \] [0-9]* test" "$log")s, $(( $(date +%s) - t0 )) s)"; \
     else echo "sanitizers: {} FAILED (log follows)"; tail -n 80 "$log"; exit 1; fi' \
    || failed=1
  local pit
  pit="$(find "$dir" -maxdepth 3 -type f -name proxy_integration_test -perm -u+x | head -n1)"
  if [[ " $* " == *" proxy_integration_test "* ]] && [ -n "$pit" ] && [ "$REPEAT" -gt 0 ]; then
    if "$pit" --gtest_brief=1 --gtest_filter="$SHUTDOWN_TESTS" --gtest_repeat="$REPEAT" \
      > "$dir/shutdown-repeat.log" 2>&1; then
      echo "sanitizers: $SHUTDOWN_TESTS passed $REPEAT more times"
    else
      echo "sanitizers: $SHUTDOWN_TESTS FAILED on repeat (log follows)"
      tail -n 80 "$dir/shutdown-repeat.log"
      failed=1
    fi
  fi
  return $failed
}

# check_reports DIR: fails if any process wrote a sanitizer report (shows the first ones).
check_reports() {
  local reports=("$1"/sanitizer-reports/*)
  if [ -e "${reports[0]}" ]; then
    echo "sanitizers: ${#reports[@]} report file(s) in $1/sanitizer-reports:"
    head -n 60 "${reports[@]:0:3}"
    return 1
  fi
  echo "sanitizers: no reports in $1/sanitizer-reports"
}

# sanitize PRESET EXCLUDE TARGET...: configures, builds only what is needed, runs the tests but
# those matching the gtest pattern EXCLUDE.
sanitize() {
  local preset="$1" dir="build/$1"
  shift
  EXCLUDE="$1"
  shift
  local targets=("$@")
  if [ -n "${CS_SANITIZER_TARGETS:-}" ]; then
    read -r -a targets <<< "$CS_SANITIZER_TARGETS"
  fi
  rm -rf "$dir/sanitizer-reports"
  mkdir -p "$dir/sanitizer-reports"
  timed "$preset configure" cmake --preset "$preset" > /dev/null
  # A failed build fails the step (the tests of an old binary would prove nothing).
  if ! timed "$preset build" nice -n 5 cmake --build "$dir" -j2 --target "${targets[@]}" \
    "${SERVERS[@]}"; then
    echo "sanitizers: the $preset build failed"
    return 1
  fi
  local rc=0
  timed "$preset tests" run_tests "$dir" "${targets[@]}" || rc=1
  check_reports "$dir" || rc=1
  return $rc
}

status=0
if [ "$WHICH" = all ] || [ "$WHICH" = asan ]; then
  R="$ROOT/build/asan/sanitizer-reports/report"
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0:log_path=$R:suppressions=$SUPP/asan.supp"
  export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$R:suppressions=$SUPP/ubsan.supp"
  sanitize asan "$ASAN_EXCLUDE" "${ASAN_TARGETS[@]}" || status=1
  unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
fi
if [ "$WHICH" = all ] || [ "$WHICH" = tsan ]; then
  R="$ROOT/build/tsan/sanitizer-reports/report"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$R:suppressions=$SUPP/tsan.supp"
  sanitize tsan "$TSAN_EXCLUDE" "${TSAN_TARGETS[@]}" || status=1
  unset TSAN_OPTIONS
fi
if [ $status -ne 0 ]; then
  echo "sanitizers: FAILED"
  exit 1
fi
echo "sanitizers: no reports, every test passed"
