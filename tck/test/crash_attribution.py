#!/usr/bin/env python3
"""A function that dies during a case is charged to that case, and to no other.

Runs `cloudstate-tck run` against the reference function with the fault protocol-crash-on-error
(the process exits on a protocol error: command before init, second init, empty message, init for
an unknown service, undecodable init state) over the value-entity and event-sourced cases, with
--jobs 1 and --jobs 2, and requires for each run:
  * every case whose input makes the process exit failed with "the function process exited ...
    during this case";
  * every other case passed (the kit restarted the function and ran them against a live one);
  * the verdicts of the two runs are identical.

    crash_attribution.py --tck CLOUDSTATE_TCK --function REFERENCE_FUNCTION --out DIR
"""

import argparse
import json
import os
import subprocess
import sys

FAULT = "protocol-crash-on-error"
# The cases whose input the reference function treats as a protocol error.
CULPRITS = {
    "valueentity.command_before_init",
    "valueentity.second_init",
    "valueentity.empty_stream_message",
    "valueentity.init_for_unknown_service",
    "valueentity.init_for_service_of_another_entity_type",
    "valueentity.init_state_of_unknown_type",
    "eventsourced.command_before_init",
    "eventsourced.event_before_init",
    "eventsourced.second_init",
    "eventsourced.empty_stream_message",
    "eventsourced.init_for_unknown_service",
    "eventsourced.init_for_service_of_another_entity_type",
    "eventsourced.unknown_event_type_in_replay",
    "eventsourced.unknown_snapshot_type",
}


def run(args, jobs):
    out = os.path.join(args.out, f"jobs{jobs}")
    os.makedirs(out, exist_ok=True)
    config = os.path.join(out, "function.yaml")
    with open(config, "w", encoding="utf-8") as f:
        f.write("function:\n"
                f"  command: {args.function}\n"
                f"  args: [\"--host\", \"127.0.0.1\", \"--port\", \"${{PORT}}\", \"--fault\", "
                f"\"{FAULT}\"]\n"
                "  startup_timeout: 20\n"
                "  restart: true\n"
                "  log_file: function.log\n")
    command = [args.tck, "run", "--config", config, "--report-dir", out, "--jobs", str(jobs),
               "--filter", "valueentity.*", "--filter", "eventsourced.*", "--deadline", "300"]
    with open(os.path.join(out, "tck.log"), "w", encoding="utf-8") as log:
        rc = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    if rc not in (0, 1):
        sys.exit(f"--jobs {jobs}: cloudstate-tck exited with {rc}; see {out}/tck.log")
    with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
        return {c["name"]: c for c in json.load(f)["cases"]}


def check(jobs, cases):
    problems = []
    missing = CULPRITS - set(cases)
    if missing:
        problems.append(f"cases not run: {sorted(missing)}")
    for name, c in sorted(cases.items()):
        if name in CULPRITS:
            message = c.get("message", "")
            if c["outcome"] != "failed" or "exited" not in message or "during this case" not in message:
                problems.append(f"{name} should be charged with the exit, got {c['outcome']}: "
                                f"{message}")
        elif c["outcome"] != "passed":
            problems.append(f"{name} was charged for another case's crash: {c['outcome']}: "
                            f"{c.get('message', '')}")
    for p in problems:
        print(f"--jobs {jobs}: {p}")
    return not problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tck", required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    verdicts = {}
    ok = True
    for jobs in (1, 2):
        cases = run(args, jobs)
        ok = check(jobs, cases) and ok
        verdicts[jobs] = {name: c["outcome"] for name, c in cases.items()}
        print(f"--jobs {jobs}: {len(cases)} cases, "
              f"{sum(1 for c in cases.values() if c['outcome'] == 'failed')} failed")
    if verdicts[1] != verdicts[2]:
        ok = False
        for name in sorted(set(verdicts[1]) | set(verdicts[2])):
            if verdicts[1].get(name) != verdicts[2].get(name):
                print(f"{name}: --jobs 1 {verdicts[1].get(name)}, --jobs 2 {verdicts[2].get(name)}")
    print("crash attribution: ok" if ok else "crash attribution: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
