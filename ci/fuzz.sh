#!/usr/bin/env bash
# Builds the libFuzzer harnesses (preset fuzz: clang-14, ASan+UBSan, build/fuzz) and runs each for
# a bounded time from its seed corpus (reference-proxy/fuzz/corpus/<harness>/,
# sdk/fuzz/corpus/<harness>/). New inputs go to a scratch corpus under build/fuzz, never into the
# repository. Any crash, leak or sanitizer report fails the step; the reproducer is kept as
# build/fuzz/artifacts/<harness>/crash-*.
# Usage: ci/fuzz.sh [seconds per harness]   (default 20; CS_FUZZ_SECONDS also works)
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$(pwd)"
SECONDS_EACH="${1:-${CS_FUZZ_SECONDS:-20}}"

PROXY_HARNESSES=(path_template_fuzz http_rule_fuzz json_transcode_fuzz entity_key_fuzz
  descriptor_set_fuzz proxy_stream_cores_fuzz)
SDK_HARNESSES=(sdk_stream_cores_fuzz)

start=$(date +%s)
cmake --preset fuzz > /dev/null
nice -n 5 cmake --build build/fuzz -j2 --target "${PROXY_HARNESSES[@]}" "${SDK_HARNESSES[@]}"
echo "fuzz: build took $(( $(date +%s) - start )) s"

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
run() {
  local harness="$1" seeds="$2"
  local bin
  bin="$(find build/fuzz -maxdepth 3 -type f -name "$harness" -perm -u+x | head -n1)"
  local work="build/fuzz/corpus/$harness" artifacts="build/fuzz/artifacts/$harness"
  mkdir -p "$work" "$artifacts"
  local t0=$(date +%s)
  # -rss_limit_mb and -max_len keep one input's cost bounded; the seeds are read, never written.
  if "$bin" -max_total_time="$SECONDS_EACH" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$seeds" \
      > "build/fuzz/$harness.log" 2>&1; then
    echo "fuzz: $harness ok ($(grep -a -m1 -o 'stat::number_of_executed_units: [0-9]*' \
      "build/fuzz/$harness.log" | awk '{print $2}') runs, $(( $(date +%s) - t0 )) s)"
  else
    echo "fuzz: $harness FAILED (log tail follows; reproducer in $artifacts)"
    tail -n 60 "build/fuzz/$harness.log"
    status=1
  fi
}
for h in "${PROXY_HARNESSES[@]}"; do
  run "$h" "reference-proxy/fuzz/corpus/$h"
done
for h in "${SDK_HARNESSES[@]}"; do
  run "$h" "sdk/fuzz/corpus/$h"
done
echo "fuzz: total $(( $(date +%s) - start )) s"
exit $status
