#!/usr/bin/env bash
# Configures, builds and runs every test (all ctest labels but "bench") with a CMake preset.
# Usage: ci/build-test.sh [preset]   (default: ci = release build with warnings as errors)
# The default preset and build tree (build/ci) are the main job's (ci/main-job.sh), so after the
# main job this compiles only the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${1:-ci}"
# Paths relative to the checkout, so that repeated builds from other clones hit the cache.
export CCACHE_BASEDIR="$(pwd)"

cmake --preset "$PRESET"
cmake --build --preset "$PRESET" -j2
# A real PostgreSQL server for the store contract and durability tests.
# shellcheck source=ci/postgres.sh
source ci/postgres.sh
start_postgres
trap stop_postgres EXIT
ctest --preset "$PRESET" -j2 --timeout 900
