#!/usr/bin/env python3
"""Runs `cloudstate-model-checker check` (or `crdt`) on every example and checks the exit code.

  check_examples.py CHECKER EXAMPLES_DIR OUT_DIR

Example names say what they hold: NAME.ok.json must pass (exit 0), NAME.violation.json must be
reported (exit 1); crdt-*.json go to the crdt subcommand. For histories, the HTML page and the
JUnit/CTRF reports are written to OUT_DIR and checked to be self-contained and consistent.
"""
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET


def main():
    checker, examples, out = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    files = sorted(examples.glob("*.json"))
    if not files:
        sys.exit(f"no examples in {examples}")
    for path in files:
        expected = 0 if path.name.endswith(".ok.json") else 1
        stem = path.name[:-len(".json")]
        if path.name.startswith("crdt-"):
            args = [checker, "crdt", str(path)]
        else:
            args = [checker, "check", str(path), "--html", str(out / f"{stem}.html"),
                    "--reports", str(out / stem)]
        run = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        text = run.stdout.decode(errors="replace")
        print(f"--- {path.name}: exit {run.returncode}\n{text}")
        if run.returncode != expected:
            problems.append(f"{path.name}: exit {run.returncode}, expected {expected}")
            continue
        if path.name.startswith("crdt-"):
            continue
        html = (out / f"{stem}.html").read_text()
        if "<script" in html or "https://" in html or "src=" in html:
            problems.append(f"{stem}.html is not self-contained")
        if expected == 1 and 'class="op culprit' not in html:
            problems.append(f"{stem}.html marks no operation that cannot be linearized")
        suites = ET.parse(out / stem / "junit.xml").getroot()
        failures = sum(int(s.get("failures", "0")) for s in suites.iter("testsuite"))
        ctrf = json.loads((out / stem / "ctrf.json").read_text())
        if (failures > 0) != (expected == 1) or ctrf["results"]["summary"]["failed"] != failures:
            problems.append(f"{stem}: junit failures {failures}, ctrf "
                            f"{ctrf['results']['summary']['failed']}, expected exit {expected}")
    bad = subprocess.run([checker, "check", str(examples / "missing.json")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if bad.returncode != 2:
        problems.append(f"a missing history gave exit {bad.returncode}, expected 2")
    if problems:
        sys.exit("\n".join(problems))
    print(f"{len(files)} examples gave the expected verdicts")


if __name__ == "__main__":
    main()
