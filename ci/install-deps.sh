#!/usr/bin/env bash
# Installs every Debian 12 package the kit needs to build, test, lint and run its PostgreSQL and
# browser checks. Idempotent; uses sudo only when not root.
# --build-only: only what building the executables and their Debian packages needs (used by the
# GitHub Action, ci/github-action/action.yml): no PostgreSQL, linters, browser or interop peers.
set -euo pipefail
BUILD_ONLY=0
if [ "${1:-}" = "--build-only" ]; then
  BUILD_ONLY=1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git ca-certificates curl python3 jq
  # protocol and RPC
  protobuf-compiler libprotobuf-dev libgrpc++-dev protobuf-compiler-grpc libabsl-dev
  # libraries
  libboost-dev libboost-system-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libspdlog-dev
  libfmt-dev libsqlite3-dev libpq-dev libpqxx-dev libexpat1-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev perl
  # Debian packages of the kit (ci/packages.sh): man pages from --help, man to read them, and
  # python3-yaml for ci/test-action.sh, which reads the GitHub Action's steps
  help2man man-db python3-yaml
)
# Only for the whole test suite, the linter and the interop job.
TEST_PACKAGES=(
  # real PostgreSQL server for store tests
  postgresql
  # lint
  clang-format clang-tidy
  # fuzzing (ci/fuzz.sh): clang with its sanitizer runtimes and libFuzzer
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  # headless browser for the HTML report screenshot test
  chromium
  # peers used by the interop job (Go SDK, Akka proxy)
  golang-go default-jdk-headless maven
  # real etcd 3.4 server for the cluster membership tests (ci/etcd.sh)
  etcd-server
)

if [ "$BUILD_ONLY" -eq 0 ]; then
  PACKAGES+=("${TEST_PACKAGES[@]}")
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
echo "install-deps: all packages installed"
