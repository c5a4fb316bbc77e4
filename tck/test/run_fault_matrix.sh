#!/usr/bin/env bash
# Runs the whole suite once per deliberate fault of the reference user function and requires a
# failing verdict for each, printing which cases caught it.
#
#   run_fault_matrix.sh CLOUDSTATE_TCK REFERENCE_FUNCTION WORK_DIR [TIME_SCALE]
#
# Faults that only the proxy-side (eventing) cases could see are listed in EXPECTED_UNCAUGHT; they
# must still be reported, and the script fails if one of them starts being caught (so the list
# stays honest).
set -u
tck="$1"
fn="$2"
work="$3"
scale="${4:-1}"
here="$(cd "$(dirname "$0")" && pwd)"
known="$here/reference-function.known-failing"
mkdir -p "$work"

# Faults outside what the model cases can observe (eventing runs through a proxy).
EXPECTED_UNCAUGHT=" eventing-id-from-source eventing-json-wrong-type-url "

faults="$("$fn" --list-faults | cut -f1)"
if [ -z "$faults" ]; then
  echo "no faults listed by $fn --list-faults" >&2
  exit 1
fi

status=0
caught=0
total=0
for fault in $faults; do
  total=$((total + 1))
  cfg="$work/$fault.yaml"
  cat > "$cfg" <<YAML
function:
  command: $fn
  args: ["--host", "127.0.0.1", "--port", "\${PORT}", "--fault", "$fault"]
  startup_timeout: 20
  restart: true
YAML
  log="$work/$fault.log"
  "$tck" run --config "$cfg" --jobs 2 --time-scale "$scale" --known-failing "$known" \
    --deadline 120 > "$log" 2>&1
  rc=$?
  catchers="$(sed -nE 's/^\[[ 0-9]+\/[0-9]+\] (FAIL|XPASS) +([^ ]+).*/\2/p' "$log" | tr '\n' ' ')"
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    echo "ERROR     $fault  (the kit exited with $rc; see $log)"
    status=1
  elif [ "$rc" -eq 1 ] && [ -n "$catchers" ]; then
    caught=$((caught + 1))
    if [[ "$EXPECTED_UNCAUGHT" == *" $fault "* ]]; then
      echo "UNEXPECTEDLY CAUGHT  $fault  (remove it from EXPECTED_UNCAUGHT) by: $catchers"
      status=1
    else
      echo "caught    $fault  by: $catchers"
    fi
  elif [[ "$EXPECTED_UNCAUGHT" == *" $fault "* ]]; then
    echo "uncaught  $fault  (expected: only proxy-side eventing cases can observe it)"
  else
    echo "MISSED    $fault  (exit $rc; see $log)"
    status=1
  fi
done
echo "$caught of $total faults caught"
exit $status
