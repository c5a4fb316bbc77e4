#!/usr/bin/env bash
# Tests the GitHub Action (ci/github-action/action.yml) here, without GitHub: ci/run-action.py runs
# its `run:` steps the way the runner would (bash -e -o pipefail, inputs resolved into each step's
# env, GITHUB_OUTPUT between steps; `uses:` steps are reported and skipped), against the reference
# function. Three runs:
#   1. packages built from source at this checkout, clean function, every case: the action
#      succeeds and the badge says full conformance;
#   2. (runs 2 and 3: the event-sourced cases only) the packages of run 1 as a "release asset" directory, function with a deliberate fault and
#      no known-failing file: the suite step still writes the reports and badge, the action fails;
#   3. as 2, with a known-failing file naming the cases that failed in 2: the action succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUT="${CS_ACTION_TEST_DIR:-$ROOT/out/test-action}"
RUN="python3 $ROOT/ci/run-action.py $ROOT/ci/github-action/action.yml"
FAULT=es-event-not-applied-before-reply
FILTER="--filter 'eventsourced.*'"
rm -rf "$OUT"
mkdir -p "$OUT"
fail() {
  echo "test-action: FAILED: $*" >&2
  exit 1
}
badge_message() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$1"; }

echo "test-action: run 1: packages from source, clean function"
$RUN --workspace "$OUT/ws1" --temp "$OUT/tmp1" \
  --input function-command='cloudstate-reference-function --host "$HOST" --port "$PORT"' \
  > "$OUT/run1.log" 2>&1 || {
  tail -n 40 "$OUT/run1.log"
  fail "run 1 failed (log: $OUT/run1.log)"
}
grep -q '^action: step "Upload the reports" skipped (uses: actions/upload-artifact' "$OUT/run1.log" ||
  fail "run 1 did not reach the upload step"
[ -f "$OUT/ws1/cloudstate-badge.json" ] || fail "run 1 wrote no badge JSON"
[ -f "$OUT/ws1/cloudstate-reports/report.html" ] || fail "run 1 wrote no report.html"
[ "$(badge_message "$OUT/ws1/cloudstate-badge.json" | cut -d' ' -f3)" = full ] ||
  fail "run 1: the reference function is not fully conforming"
echo "test-action: run 1 passed, badge: $(badge_message "$OUT/ws1/cloudstate-badge.json")"

mkdir -p "$OUT/release"
cp "$OUT"/tmp1/cloudstate-packages/*.deb "$OUT/release/"
echo "test-action: run 2: release packages, function with fault $FAULT, no known-failing file"
status=0
$RUN --workspace "$OUT/ws2" --temp "$OUT/tmp2" --input packages="$OUT/release" \
  --input function-command="cloudstate-reference-function --host \"\$HOST\" --port \"\$PORT\" --fault $FAULT" \
  --input tck-args="$FILTER" --input badge-file=badges/conformance.json \
  > "$OUT/run2.log" 2>&1 || status=$?
[ "$status" -ne 0 ] || fail "run 2: the action passed although the function has a fault"
grep -q '^action: step "Verdict" failed' "$OUT/run2.log" ||
  fail "run 2 failed before the verdict step (log: $OUT/run2.log)"
[ -f "$OUT/ws2/badges/conformance.json" ] || fail "run 2 wrote no badge JSON"
failed_cases="$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("\n".join(c["name"] for c in r["cases"] if c["outcome"] == "failed"))' \
  "$OUT/ws2/cloudstate-reports/results.json")"
[ -n "$failed_cases" ] || fail "run 2: no failed case in results.json"
echo "test-action: run 2 failed as it must ($(echo "$failed_cases" | wc -l) failed cases)," \
  "badge: $(badge_message "$OUT/ws2/badges/conformance.json")"

echo "test-action: run 3: as run 2, with those cases in the known-failing file"
mkdir -p "$OUT/ws3"
sed "s/\$/  # $FAULT/" <<< "$failed_cases" > "$OUT/ws3/known-failing.txt"
$RUN --workspace "$OUT/ws3" --temp "$OUT/tmp3" --input packages="$OUT/release" \
  --repository example/cloudstate-kit --ref v0 \
  --input function-command="cloudstate-reference-function --host \"\$HOST\" --port \"\$PORT\" --fault $FAULT" \
  --input tck-args="$FILTER" --input known-failing=known-failing.txt > "$OUT/run3.log" 2>&1 || {
  tail -n 40 "$OUT/run3.log"
  fail "run 3 failed (log: $OUT/run3.log)"
}
grep -q 'href="https://github.com/example/cloudstate-kit/blob/v0/spec/eventsourced.md#es-001--' \
  "$OUT/ws3/cloudstate-reports/report.html" || fail "run 3: report does not link the action's spec"
echo "test-action: run 3 passed, badge: $(badge_message "$OUT/ws3/cloudstate-badge.json")"
echo "test-action: all runs behaved as expected"
