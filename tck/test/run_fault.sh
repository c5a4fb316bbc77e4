#!/usr/bin/env bash
# Runs the suite against the reference user function started with one deliberate fault and
# requires a failing verdict, printing the cases that caught the fault.
#
#   run_fault.sh CLOUDSTATE_TCK REFERENCE_FUNCTION FAULT REPORT_DIR [--filter PATTERN]...
#
# Extra arguments go to `cloudstate-tck run` (typically the --filter of the fault's area). The
# report (results.json and friends) is written to REPORT_DIR, where the coverage step
# (fault_coverage.py) reuses it. Environment: CS_TCK_TIME_SCALE (default 1), CS_TCK_JOBS (default 2).
set -u
if [ "$#" -lt 4 ]; then
  echo "usage: $0 CLOUDSTATE_TCK REFERENCE_FUNCTION FAULT REPORT_DIR [cloudstate-tck run args]..." >&2
  exit 2
fi
tck="$1"
fn="$2"
fault="$3"
out="$4"
shift 4
here="$(cd "$(dirname "$0")" && pwd)"
known="$here/reference-function.known-failing"
scale="${CS_TCK_TIME_SCALE:-1}"
jobs="${CS_TCK_JOBS:-2}"

rm -rf "$out"
mkdir -p "$out"
cat > "$out/function.yaml" <<YAML
function:
  command: $fn
  args: ["--host", "127.0.0.1", "--port", "\${PORT}", "--fault", "$fault"]
  startup_timeout: 20
  restart: true
  log_file: function.log
YAML
log="$out/tck.log"
"$tck" run --config "$out/function.yaml" --report-dir "$out" --jobs "$jobs" --time-scale "$scale" \
  --known-failing "$known" --deadline 300 "$@" > "$log" 2>&1
rc=$?
catchers="$(sed -nE 's/^\[[ 0-9]+\/[0-9]+\] (FAIL|XPASS) +([^ ]+).*/\2/p' "$log")"
summary="$(tail -n 1 "$log")"
echo "fault $fault, cloudstate-tck run $* -> exit $rc: $summary"
if [ "$rc" -eq 1 ] && [ -n "$catchers" ]; then
  echo "caught $fault by $(echo "$catchers" | wc -l) case(s):"
  echo "$catchers" | sed 's/^/  /'
  exit 0
fi
# A fault that breaks only SHOULD/MAY behaviour cannot fail the verdict (optional cases never do);
# the optional cases that failed are what shows it is caught.
# The same for robustness cases (inputs no conforming proxy sends), which are judged apart.
if [ "$rc" -eq 0 ] && [ -n "$catchers" ] &&
  grep -qE "failures are (optional|robustness) cases" "$log"; then
  echo "caught $fault by optional or robustness case(s) only (the verdict passes by design):"
  echo "$catchers" | sed 's/^/  /'
  exit 0
fi
if [ "$rc" -eq 0 ]; then
  echo "MISSED $fault: every selected case passed (a check that cannot fail is worthless)"
else
  echo "ERROR $fault: the kit exited with $rc and no failing case"
fi
echo "--- last lines of $log"
tail -n 40 "$log"
exit 1
