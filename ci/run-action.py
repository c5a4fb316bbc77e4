#!/usr/bin/env python3
"""Runs the `run:` steps of a composite GitHub Action here, the way the runner would.

Used by ci/test-action.sh. Supports what our action uses and refuses anything else, so a step the
runner would treat differently fails here instead of passing silently:
  - `${{ inputs.X }}`, `${{ github.action_path }}`, `${{ github.action_repository }}`,
    `${{ github.action_ref }}` and `${{ steps.ID.outputs.X }}`, in a step's `env:` only
    (a `${{ }}` inside a `run:` script is an error: inputs reach scripts through env);
  - `if: always()` or no `if:`; after a failed step only `always()` steps run;
  - `shell: bash`, run as `bash --noprofile --norc -e -o pipefail FILE` in the workspace;
  - GITHUB_OUTPUT (key=value lines), GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, GITHUB_ACTION_PATH,
    RUNNER_TEMP;
  - `uses:` steps are printed and skipped (they cannot run here).
Exit code: 0 when every step succeeded, else 1.
"""
import argparse
import os
import re
import subprocess
import sys

import yaml

EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action")
    parser.add_argument("--input", action="append", default=[], help="NAME=VALUE")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--temp", required=True)
    parser.add_argument("--repository", default="")
    parser.add_argument("--ref", default="")
    args = parser.parse_args()

    with open(args.action) as f:
        action = yaml.safe_load(f)
    if action["runs"]["using"] != "composite":
        sys.exit("action: only composite actions are supported")
    declared = action.get("inputs", {})
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    for item in args.input:
        name, _, value = item.partition("=")
        if name not in declared:
            sys.exit(f"action: unknown input {name}")
        inputs[name] = value
    for name, spec in declared.items():
        if spec.get("required") and not inputs[name]:
            sys.exit(f"action: input {name} is required")

    action_path = os.path.dirname(os.path.abspath(args.action))
    os.makedirs(args.workspace, exist_ok=True)
    os.makedirs(args.temp, exist_ok=True)
    summary = os.path.join(args.temp, "step-summary.md")
    outputs = {}  # step id -> {name: value}

    def resolve(text, where):
        def one(m):
            expr = m.group(1)
            if expr.startswith("inputs."):
                return inputs[expr[len("inputs."):]]
            if expr == "github.action_path":
                return action_path
            if expr == "github.action_repository":
                return args.repository
            if expr == "github.action_ref":
                return args.ref
            sm = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
            if sm:
                return outputs.get(sm.group(1), {}).get(sm.group(2), "")
            sys.exit(f"action: {where}: unsupported expression '{expr}'")

        return EXPR.sub(one, str(text))

    failed = False
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {index + 1}")
        condition = step.get("if")
        if condition not in (None, "always()"):
            sys.exit(f'action: step "{name}": unsupported if: {condition}')
        if failed and condition != "always()":
            print(f'action: step "{name}" skipped (an earlier step failed)', flush=True)
            continue
        if "uses" in step:
            print(f'action: step "{name}" skipped (uses: {step["uses"]})', flush=True)
            continue
        if step.get("shell") != "bash":
            sys.exit(f'action: step "{name}": only shell: bash is supported')
        script = step["run"]
        if EXPR.search(script):
            sys.exit(f'action: step "{name}": ${{{{ }}}} inside run:, pass it through env:')
        env = dict(os.environ)
        for key, value in (step.get("env") or {}).items():
            env[key] = resolve(value, f'step "{name}" env {key}')
        output_file = os.path.join(args.temp, f"output-{index}")
        open(output_file, "w").close()
        script_file = os.path.join(args.temp, f"step-{index}.sh")
        with open(script_file, "w") as f:
            f.write(script)
        env.update(GITHUB_OUTPUT=output_file, GITHUB_STEP_SUMMARY=summary,
                   GITHUB_WORKSPACE=os.path.abspath(args.workspace),
                   GITHUB_ACTION_PATH=action_path, RUNNER_TEMP=os.path.abspath(args.temp))
        print(f'action: step "{name}" running', flush=True)
        rc = subprocess.call(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", script_file],
                             cwd=args.workspace, env=env)
        values = {}
        with open(output_file) as f:
            for line in f:
                if "=" in line:
                    key, _, value = line.rstrip("\n").partition("=")
                    values[key] = value
        if "id" in step:
            outputs[step["id"]] = values
        if rc != 0:
            print(f'action: step "{name}" failed (exit code {rc})', flush=True)
            failed = True
        else:
            print(f'action: step "{name}" succeeded {values if values else ""}', flush=True)
    for name, spec in (action.get("outputs") or {}).items():
        print(f"action: output {name}={resolve(spec['value'], 'outputs')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
