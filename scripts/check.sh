#!/usr/bin/env bash
# README command (2): set up, build, and run the whole test suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${STMIFY_BUILD_DIR:-build}"
scripts/configure.sh "$build_dir"
cmake --build "$build_dir"
jobs="$(nproc 2>/dev/null || echo 2)"
cd "$build_dir"
ctest --output-on-failure -j "$jobs" "$@"
