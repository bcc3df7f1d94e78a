#!/usr/bin/env bash
# Installs the dependencies (if missing) and configures the build directory.
# Usage: scripts/configure.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
"scripts/install-deps.sh"
build_dir="${1:-build}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja \
    -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_C_COMPILER=clang-19 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
