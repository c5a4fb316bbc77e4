#!/usr/bin/env python3
"""Coverage of the TCK cases by the deliberate faults of the reference user function.

A case that no fault can make fail has never been shown to be able to fail. This script finds, for
every case of `cloudstate-tck list`, whether at least one fault of `--list-faults` makes it fail,
and fails listing the cases never caught that are not in the reviewed allow-list.

    fault_coverage.py --tck CLOUDSTATE_TCK --function REFERENCE_FUNCTION --reports DIR
                      --allow tck/test/uncaught-cases.allow [--known-failing FILE] [--jobs N]

DIR/<fault>/results.json written by the per-fault ctests (run_fault.sh, restricted to the fault's
area) are reused when they are newer than both binaries; a fault without such a report gets a run
of the whole suite. Cases still uncaught after that are run once more under every fault whose
report did not include them, so the answer equals that of a whole-suite run per fault.

The allow-list has one `case.name  # why no fault can break it` per line. Listed cases that are
caught, or that do not exist, fail the check too (the list must stay honest and short).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

CAUGHT_OUTCOMES = {"failed", "xpass"}


def list_cases(tck):
    out = subprocess.run([tck, "list"], check=True, capture_output=True, text=True).stdout
    # Case lines start with `area.name`; the last line is the count.
    return [line.split()[0] for line in out.splitlines() if line.strip() and "." in line.split()[0]]


def list_faults(function):
    out = subprocess.run([function, "--list-faults"], check=True, capture_output=True,
                         text=True).stdout
    return [line.split("\t")[0] for line in out.splitlines() if line.strip()]


def read_allow(path):
    allow = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, _, why = line.partition("#")
            name = name.strip()
            if not why.strip():
                sys.exit(f"{path}:{number}: '{name}' needs a reason after '#'")
            allow[name] = why.strip()
    return allow


def run_suite(args, fault, out_dir, filters):
    os.makedirs(out_dir, exist_ok=True)
    config = os.path.join(out_dir, "function.yaml")
    with open(config, "w", encoding="utf-8") as f:
        f.write("function:\n"
                f"  command: {args.function}\n"
                f"  args: [\"--host\", \"127.0.0.1\", \"--port\", \"${{PORT}}\", \"--fault\", "
                f"\"{fault}\"]\n"
                "  startup_timeout: 20\n"
                "  restart: true\n")
    command = [args.tck, "run", "--config", config, "--report-dir", out_dir, "--jobs",
               str(args.jobs), "--time-scale", str(args.time_scale), "--deadline", "300"]
    if args.known_failing:
        command += ["--known-failing", args.known_failing]
    for pattern in filters:
        command += ["--filter", pattern]
    with open(os.path.join(out_dir, "tck.log"), "w", encoding="utf-8") as log:
        rc = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    if rc not in (0, 1):
        sys.exit(f"cloudstate-tck exited with {rc} under fault {fault}; see {out_dir}/tck.log")
    return read_results(os.path.join(out_dir, "results.json"))


def read_results(path):
    with open(path, encoding="utf-8") as f:
        return {case["name"]: case["outcome"] for case in json.load(f)["cases"]}


def fresh_report(args, fault):
    path = os.path.join(args.reports, fault, "results.json")
    if not os.path.exists(path):
        return None
    built = max(os.path.getmtime(args.tck), os.path.getmtime(args.function))
    if os.path.getmtime(path) < built:
        return None
    return read_results(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tck", required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--reports", required=True, help="per-fault report dirs (reused/written)")
    parser.add_argument("--allow", required=True, help="reviewed allow-list of uncaught cases")
    parser.add_argument("--known-failing")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--time-scale", default="1")
    args = parser.parse_args()

    cases = list_cases(args.tck)
    faults = list_faults(args.function)
    allow = read_allow(args.allow)
    if not faults:
        sys.exit(f"{args.function} --list-faults listed no fault")

    caught_by = {name: [] for name in cases}
    ran = {}  # fault -> the set of cases its results cover
    reused = 0
    for fault in faults:
        results = fresh_report(args, fault)
        if results is None:
            results = run_suite(args, fault, os.path.join(args.reports, fault), [])
        else:
            reused += 1
        ran[fault] = set(results)
        for name, outcome in results.items():
            if outcome in CAUGHT_OUTCOMES and name in caught_by:
                caught_by[name].append(fault)

    # Cases not caught so far, under the faults whose (area-restricted) report left them out.
    uncaught = [name for name in cases if not caught_by[name]]
    if uncaught:
        with tempfile.TemporaryDirectory(prefix="fault-coverage-") as scratch:
            for fault in faults:
                missing = [name for name in uncaught if name not in ran[fault]]
                if not missing:
                    continue
                results = run_suite(args, fault, os.path.join(scratch, fault), missing)
                for name in missing:
                    if results.get(name) in CAUGHT_OUTCOMES:
                        caught_by[name].append(fault)
    uncaught = [name for name in cases if not caught_by[name]]

    print(f"{len(faults)} faults ({reused} reports reused), {len(cases)} cases, "
          f"{len(cases) - len(uncaught)} caught by at least one fault, {len(uncaught)} uncaught")
    for fault in faults:
        count = sum(1 for name in cases if fault in caught_by[name])
        print(f"  {fault:45} fails {count:3} case(s)")

    status = 0
    unexpected = [name for name in uncaught if name not in allow]
    if unexpected:
        status = 1
        print(f"\n{len(unexpected)} case(s) no fault makes fail (add a fault to the reference "
              f"function, or justify them in {args.allow}):")
        for name in unexpected:
            print(f"  {name}")
    allowed = [name for name in uncaught if name in allow]
    if allowed:
        print(f"\n{len(allowed)} uncaught case(s) allowed by {args.allow}:")
        for name in allowed:
            print(f"  {name}  # {allow[name]}")
    stale = [name for name in allow if name in caught_by and caught_by[name]]
    if stale:
        status = 1
        print(f"\nallow-listed but caught (remove them from {args.allow}):")
        for name in stale:
            print(f"  {name}  by {', '.join(caught_by[name])}")
    unknown = [name for name in allow if name not in caught_by]
    if unknown:
        status = 1
        print(f"\nallow-listed names that are not cases: {', '.join(unknown)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
