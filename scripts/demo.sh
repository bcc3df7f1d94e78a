#!/usr/bin/env bash
# README command (1): set up, build, and run the bank example on every core.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${STMIFY_BUILD_DIR:-build}"
scripts/configure.sh "$build_dir"
cmake --build "$build_dir" --target bank
echo
echo "Compiled examples/bank/bank.cpp with clang++-19 -fplugin=$build_dir/lib/libstmify.so;"
echo "what the plugin inserted:"
clang++-19 -fplugin="$build_dir/lib/libstmify.so" -fplugin-arg-stmify-stats -std=c++17 \
  -Iinclude -fsyntax-only examples/bank/bank.cpp
echo
echo "Running it on all $(nproc) cores, with STMIFY_REPORT=1 (at exit, what made transactions"
echo "abort or wait; run from the build directory, where its source paths start):"
(cd "$build_dir" && STMIFY_REPORT=1 ./examples/bank "$@")
echo
echo "For every event and a timeline: (cd $build_dir && STMIFY_LOG=bank.log ./examples/bank &&"
echo "  ./tool/stmify-log bank.log --timeline bank.svg)   (docs/user-guide.md, \"Finding conflicts\")"
