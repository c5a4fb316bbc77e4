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
# clang-tidy costs ~15 s per translation unit here; cap the batch to keep CI inside its budget.
max="${CS_TIDY_MAX_FILES:-12}"
echo "lint: clang-tidy on ${#changed[@]} changed files (at most $max)"
printf '%s\n' "${changed[@]}" | head -n "$max" |
  xargs -P 2 -n 1 clang-tidy -p "$BUILD_DIR" --quiet
echo "lint: ok"
