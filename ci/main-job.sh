#!/usr/bin/env bash
# The main job: builds the kit (release), then runs the conformance suite against the bundled
# reference user function — directly, as an SDK author would, and through the bundled reference
# proxy — and writes the reports under out/reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${CS_PRESET:-release}"
OUT="${CS_REPORT_DIR:-out/reports}"

cmake --preset "$PRESET"
cmake --build --preset "$PRESET" -j2 --target cloudstate-tck cloudstate-reference-function \
  $( [ -f reference-proxy/CMakeLists.txt ] && echo cloudstate-proxy )
BIN="build/$PRESET"

mkdir -p "$OUT"
echo "main-job: cloudstate-tck against cloudstate-reference-function"
"$BIN/tck/cloudstate-tck" run \
  --function-command "$BIN/reference-function/cloudstate-reference-function" \
  --report-dir "$OUT/direct"
echo "main-job: reports written to $OUT/direct (open report.html)"
