#!/usr/bin/env python3
"""Runs a `cloudstate-model-checker` target against the reference user function; checks the verdict.

  run_target.py --checker BIN --function BIN [--proxy BIN] --expect pass|fail [--fault NAME]
                [checker args]

Without --proxy: `sdk --function` against the function. With --proxy: the function behind
cloudstate-proxy (memory store), `proxy --proxy` against the proxy's gRPC port. Both listen on
ephemeral ports (their start-up lines name them). With --expect fail the checker must report a
violation (exit 1) and say how to reproduce it; with --expect pass it must pass (exit 0).
"""
import argparse
import re
import selectors
import subprocess
import sys
import threading
import time

STARTUP_TIMEOUT_S = 60


def start(args, port_pattern):
    """Starts a server and returns it with the port its output names."""
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
            match = re.search(port_pattern, text)
            if match:
                port = int(match.group(1))
    if port is None:
        proc.kill()
        proc.wait()
        sys.exit(f"{args[0]} did not report its port; its output:\n" + "\n".join(seen))
    # Keep draining its output so that it never blocks on a full pipe.
    threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
    return proc, port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checker", required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--proxy", default="")
    parser.add_argument("--proxy-arg", action="append", default=[],
                        help="extra argument for cloudstate-proxy (repeatable)")
    parser.add_argument("--fault", default="")
    parser.add_argument("--expect", choices=["pass", "fail"], required=True)
    args, checker_args = parser.parse_known_args()
    function_args = [args.function, "--host", "127.0.0.1", "--port", "0"]
    if args.fault:
        function_args += ["--fault", args.fault]
    servers = []
    try:
        function, port = start(function_args, r"listening on [^ ]*:(\d+)")
        servers.append(function)
        if args.proxy:
            proxy, port = start([args.proxy, "--user-function", f"127.0.0.1:{port}",
                                 "--bind", "127.0.0.1", "--http-port", "0"] + args.proxy_arg,
                                r"cloudstate-proxy listening grpc=(\d+)")
            servers.append(proxy)
            command = [args.checker, "proxy", "--proxy", f"127.0.0.1:{port}"]
        else:
            command = [args.checker, "sdk", "--function", f"127.0.0.1:{port}"]
        run = subprocess.run(command + checker_args, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=600)
    finally:
        for proc in reversed(servers):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    output = run.stdout.decode(errors="replace")
    print(output)
    label = f"fault {args.fault}" if args.fault else "the healthy function"
    if args.proxy:
        label += " behind cloudstate-proxy"
    if args.expect == "pass":
        if run.returncode != 0:
            sys.exit(f"expected a pass against {label}, the checker exited with {run.returncode}")
        print(f"passed against {label}, as expected")
        return
    if run.returncode != 1:
        sys.exit(f"expected the checker to catch {label}; it exited with {run.returncode}")
    if args.proxy:
        if "cannot be linearized" not in output or "seed: " not in output:
            sys.exit("the failure report lacks the operation that cannot be linearized")
    elif "replay: cloudstate-model-checker sdk --function" not in output or "--seed" not in output:
        sys.exit("the failure report lacks the replay command")
    print(f"caught {label}, as expected")


if __name__ == "__main__":
    main()
