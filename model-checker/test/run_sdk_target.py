#!/usr/bin/env python3
"""Runs `cloudstate-model-checker sdk` against the reference user function and checks the verdict.

  run_sdk_target.py --checker BIN --function BIN --expect pass|fail [--fault NAME] [checker args]

The function listens on an ephemeral port (its start-up log line names it); the checker runs with
a fixed seed, so the run is deterministic. With --expect fail the checker must report a violation
(exit 1) together with a replay command; with --expect pass it must pass (exit 0).
"""
import argparse
import re
import selectors
import subprocess
import sys
import threading
import time

STARTUP_TIMEOUT_S = 60


def start_function(binary, fault):
    args = [binary, "--host", "127.0.0.1", "--port", "0"]
    if fault:
        args += ["--fault", fault]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    seen = []
    port = None
    buffer = b""
    while port is None and time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        chunk = proc.stdout.read1(4096)
        if not chunk:
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            text = line.decode(errors="replace")
            seen.append(text)
            match = re.search(r"listening on [^ ]*:(\d+)", text)
            if match:
                port = int(match.group(1))
    if port is None:
        proc.kill()
        proc.wait()
        sys.exit("the function did not report its port; its output:\n" + "\n".join(seen))
    # Keep draining its output so that it never blocks on a full pipe.
    threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
    return proc, port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checker", required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--fault", default="")
    parser.add_argument("--expect", choices=["pass", "fail"], required=True)
    args, checker_args = parser.parse_known_args()
    proc, port = start_function(args.function, args.fault)
    try:
        run = subprocess.run([args.checker, "sdk", "--function", f"127.0.0.1:{port}"] +
                             checker_args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=600)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    output = run.stdout.decode(errors="replace")
    print(output)
    label = f"fault {args.fault}" if args.fault else "the healthy function"
    if args.expect == "pass":
        if run.returncode != 0:
            sys.exit(f"expected a pass against {label}, the checker exited with {run.returncode}")
        print(f"passed against {label}, as expected")
        return
    if run.returncode != 1:
        sys.exit(f"expected the checker to catch {label}; it exited with {run.returncode}")
    if "replay: cloudstate-model-checker sdk --function" not in output or "--seed" not in output:
        sys.exit("the failure report lacks the replay command")
    print(f"caught {label}, as expected")


if __name__ == "__main__":
    main()
