#!/usr/bin/env bash
# Builds and runs a subset of the tests under sanitizers, each in its own build directory:
#   build/asan (preset asan): AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer) for
#     the unit and integration tests of common, sdk, reference-proxy, reports and tck;
#   build/tsan (preset tsan): ThreadSanitizer for the proxy's and the SDK's tests.
# Any sanitizer report fails the step. Suppressions, each with its reason, are in ci/sanitizers/.
# Usage: ci/sanitizers.sh [asan|tsan|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$(pwd)"
WHICH="${1:-all}"
SUPP="$(pwd)/ci/sanitizers"

ASAN_TARGETS=(common_test sdk_test sdk_integration_test proxy_test proxy_integration_test
  reports_test tck_test tck_integration_test)
TSAN_TARGETS=(sdk_test sdk_integration_test proxy_test proxy_integration_test)

# Runs each test binary of build dir $1 (two at a time); fails if any fails.
run_tests() {
  local dir="$1"
  shift
  local failed=0
  local bins=()
  for t in "$@"; do
    bins+=("$(find "$dir" -maxdepth 3 -type f -name "$t" -perm -u+x | head -n1)")
  done
  # Store contract tests against PostgreSQL skip themselves without CS_TEST_POSTGRES_URL.
  printf '%s\n' "${bins[@]}" | xargs -P2 -I{} sh -c \
    'log="$(basename {}).$(basename "$(dirname {})").log"; \
     if {} --gtest_brief=1 > "'"$dir"'/$log" 2>&1; then echo "sanitizers: {} passed"; \
     else echo "sanitizers: {} FAILED (log follows)"; tail -n 80 "'"$dir"'/$log"; exit 1; fi' \
    || failed=1
  return $failed
}

step() {
  local name="$1"
  shift
  local start=$(date +%s)
  "$@"
  echo "sanitizers: $name took $(( $(date +%s) - start )) s"
}

status=0
if [ "$WHICH" = all ] || [ "$WHICH" = asan ]; then
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=0:suppressions=$SUPP/asan.supp"
  export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$SUPP/ubsan.supp"
  step "asan configure" cmake --preset asan -DCS_BUILD_BENCHMARKS=OFF > /dev/null
  step "asan build" nice -n 5 cmake --build build/asan -j2 --target "${ASAN_TARGETS[@]}" \
    cloudstate-reference-function cloudstate-proxy cloudstate-tck
  step "asan tests" run_tests build/asan "${ASAN_TARGETS[@]}" || status=1
  unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
fi
if [ "$WHICH" = all ] || [ "$WHICH" = tsan ]; then
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp"
  step "tsan configure" cmake --preset tsan -DCS_BUILD_BENCHMARKS=OFF > /dev/null
  step "tsan build" nice -n 5 cmake --build build/tsan -j2 --target "${TSAN_TARGETS[@]}" \
    cloudstate-reference-function cloudstate-proxy
  step "tsan tests" run_tests build/tsan "${TSAN_TARGETS[@]}" || status=1
  unset TSAN_OPTIONS
fi
if [ $status -ne 0 ]; then
  echo "sanitizers: FAILED"
  exit 1
fi
echo "sanitizers: no reports"
