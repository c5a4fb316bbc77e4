#!/usr/bin/env bash
# Lint: fails on any clang-format difference in the project's C++ sources, then runs clang-tidy on
# the C++ files changed against main (or, on main itself, in the last commit).
# Needs a configured build dir with compile_commands.json (default build/ci).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${1:-build/ci}"

mapfile -t sources < <(git ls-files '*.cc' '*.h' | grep -Ev '^(build|interop)/')
echo "lint: clang-format on ${#sources[@]} files"
clang-format --dry-run -Werror "${sources[@]}"

base="$(git merge-base HEAD origin/main 2>/dev/null || true)"
if [ -z "$base" ] || [ "$base" = "$(git rev-parse HEAD)" ]; then
  base="$(git rev-parse HEAD~1 2>/dev/null || true)"
fi
if [ -z "$base" ]; then
  echo "lint: no base commit; clang-tidy skipped"
  exit 0
fi
mapfile -t changed < <(git diff --name-only --diff-filter=AM "$base" HEAD -- '*.cc' |
  grep -Ev '^(build|interop)/' || true)
if [ "${#changed[@]}" -eq 0 ]; then
  echo "lint: no changed C++ sources since $base; clang-tidy skipped"
  exit 0
fi
if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
  echo "lint: $BUILD_DIR/compile_commands.json missing; configure first" >&2
  exit 1
fi
# clang-tidy costs 10-40 s per translation unit here; cap the batch to keep CI inside its budget.
# Its findings are reported; they fail the job only with CS_TIDY_STRICT=1, because the code base
# is not yet clean under the full check set (see docs/DEVELOPING.md).
max="${CS_TIDY_MAX_FILES:-6}"
echo "lint: clang-tidy on ${#changed[@]} changed files (at most $max)"
tidy_status=0
printf '%s\n' "${changed[@]}" | head -n "$max" |
  xargs -P 2 -n 1 clang-tidy -p "$BUILD_DIR" --quiet || tidy_status=$?
if [ "$tidy_status" -ne 0 ]; then
  if [ "${CS_TIDY_STRICT:-0}" = "1" ]; then
    echo "lint: clang-tidy found problems" >&2
    exit 1
  fi
  echo "lint: clang-tidy found problems (advisory; set CS_TIDY_STRICT=1 to fail on them)"
fi
echo "lint: ok"
