#!/usr/bin/env python3
"""Deliberate faults of cloudstate-proxy against the proxy suite (`cloudstate-tck proxy`).

    run_proxy_fault.py run --tck T --proxy P --function F --spec-dir D --cases FILE \
                           --fault NAME --out DIR
    run_proxy_fault.py coverage --tck T --proxy P --cases FILE --allow FILE --reports DIR

`run` starts the reference function, then the proxy with `--fault NAME` behind the suite's
interceptor (intercepting mode, so the proxy->function wire is checked too), runs the whole proxy
suite and requires the failing cases to be exactly the ones FILE lists for the fault: a missing
one means the fault is no longer caught there, an extra one means the list is out of date. A fault
listed with `-` is a known gap of the suite (no case can catch it yet); its run must stay clean so
that a new case catching it is noticed. results.json is left in DIR for `coverage`.

`coverage` requires every case of `cloudstate-tck proxy --list` to fail under at least one fault
(from the reports of `run`) or to be in the allow-list with a reason, and every fault of
`cloudstate-proxy --list-faults` to have a line in FILE.

Environment: CS_TCK_TIME_SCALE (default 1).
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys


def read_table(path):
    """`key  value...  # comment` lines -> {key: [values]} (a lone `-` means no values)."""
    table = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            key, *values = line.split()
            if key in table:
                sys.exit(f"{path}:{number}: {key} listed twice")
            table[key] = [] if values == ["-"] else values
    return table


def read_allow(path):
    allow = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, _, why = line.partition("#")
            if not why.strip():
                sys.exit(f"{path}:{number}: '{name.strip()}' needs a reason after '#'")
            allow[name.strip()] = why.strip()
    return allow


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, log_path):
    log = open(log_path, "w", encoding="utf-8")
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def failing_cases(report_dir):
    with open(os.path.join(report_dir, "results.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    return {c["name"] for c in cases if c["outcome"] in ("failed", "xpass")}, len(cases)


def run(args):
    table = read_table(args.cases)
    if args.fault not in table:
        sys.exit(f"{args.fault} has no line in {args.cases}")
    expected = set(table[args.fault])
    os.makedirs(args.out, exist_ok=True)
    results = os.path.join(args.out, "results.json")
    if os.path.exists(results):
        os.remove(results)
    function_port, interceptor_port, proxy_port = free_port(), free_port(), free_port()
    function = start([args.function, "--host", "127.0.0.1", "--port", str(function_port)],
                     os.path.join(args.out, "function.log"))
    proxy = start([args.proxy, "--user-function", f"127.0.0.1:{interceptor_port}", "--bind",
                   "127.0.0.1", "--http-port", str(proxy_port), "--store", "memory", "--fault",
                   args.fault, "--fault-seed", "1"], os.path.join(args.out, "proxy.log"))
    scale = os.environ.get("CS_TCK_TIME_SCALE", "1")
    address = f"127.0.0.1:{proxy_port}"
    try:
        with open(os.path.join(args.out, "tck.log"), "w", encoding="utf-8") as log:
            rc = subprocess.run([args.tck, "proxy", "--proxy", address, "--http", address,
                                 "--interceptor-port", str(interceptor_port), "--function",
                                 f"127.0.0.1:{function_port}", "--report-dir", args.out,
                                 "--spec-dir", args.spec_dir, "--time-scale", scale],
                                stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    finally:
        crashed = proxy.poll()
        stop(proxy)
        stop(function)
    if crashed is not None:
        # A proxy that dies would fail every later case: that proves nothing about the cases.
        print(f"ERROR {args.fault}: the proxy exited with {crashed} during the run; see "
              f"{args.out}/proxy.log")
        return 1
    if not os.path.exists(results):
        print(f"ERROR {args.fault}: the suite wrote no results (exit {rc}); see {args.out}/tck.log")
        return 1
    failed, total = failing_cases(args.out)
    print(f"fault {args.fault}: cloudstate-tck proxy exit {rc}, {len(failed)} of {total} cases "
          "failed")
    for name in sorted(failed):
        print(f"  {'caught by' if name in expected else 'UNEXPECTED failure of'} {name}")
    missing = expected - failed
    for name in sorted(missing):
        print(f"  MISSED: {name} passed (expected to fail under {args.fault})")
    if not expected and not failed:
        print(f"  known gap: no proxy-suite case catches {args.fault} (see {args.cases})")
    if missing or failed - expected:
        print(f"  logs: {args.out}/tck.log, proxy.log, function.log; update {args.cases} only "
              "if the new outcome is right")
        return 1
    return 0


def coverage(args):
    out = subprocess.run([args.tck, "proxy", "--list"], check=True, capture_output=True,
                         text=True).stdout
    cases = [line.split()[0] for line in out.splitlines()
             if line.strip() and line.split()[0].startswith("proxy.")]
    faults = [line.split("\t")[0] for line in subprocess.run(
        [args.proxy, "--list-faults"], check=True, capture_output=True, text=True).stdout.splitlines()
        if line.strip()]
    table = read_table(args.cases)
    allow = read_allow(args.allow)
    problems = []
    for fault in faults:
        if fault not in table:
            problems.append(f"fault {fault} has no line in {args.cases}")
    for fault in table:
        if fault not in faults:
            problems.append(f"{args.cases} names {fault}, which is not a fault of the proxy")
    caught = {}
    for fault in faults:
        path = os.path.join(args.reports, fault)
        if not os.path.exists(os.path.join(path, "results.json")):
            problems.append(f"no report for {fault} in {path} (run the tck_proxy_fault.* ctests)")
            continue
        for name in failing_cases(path)[0]:
            caught.setdefault(name, []).append(fault)
    uncaught = [c for c in cases if c not in caught]
    for name in cases:
        if name in caught:
            print(f"{name}: caught by {', '.join(sorted(caught[name]))}")
        elif name in allow:
            print(f"{name}: not caught (allowed: {allow[name]})")
        else:
            problems.append(f"{name}: no proxy fault makes it fail, and it is not in {args.allow}")
    for name in allow:
        if name not in cases:
            problems.append(f"{args.allow} lists {name}, which is not a proxy-suite case")
        elif name in caught:
            problems.append(f"{args.allow} lists {name}, but it is caught now: remove it")
    print(f"{len(cases) - len(uncaught)} of {len(cases)} proxy-suite cases are shown to fail under "
          f"{len(faults)} proxy faults; {len(uncaught)} allowed uncaught")
    for p in problems:
        print("ERROR: " + p)
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    c = sub.add_parser("coverage")
    for p in (r, c):
        p.add_argument("--tck", required=True)
        p.add_argument("--proxy", required=True)
        p.add_argument("--cases", required=True)
    r.add_argument("--function", required=True)
    r.add_argument("--spec-dir", required=True)
    r.add_argument("--fault", required=True)
    r.add_argument("--out", required=True)
    c.add_argument("--allow", required=True)
    c.add_argument("--reports", required=True)
    args = parser.parse_args()
    return run(args) if args.command == "run" else coverage(args)


if __name__ == "__main__":
    sys.exit(main())
