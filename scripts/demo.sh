#!/usr/bin/env bash
# README command (1): set up, build, and run the bank example on every core.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${STMIFY_BUILD_DIR:-build}"
scripts/configure.sh "$build_dir"
cmake --build "$build_dir" --target bank_fallback
echo "Running the bank example built WITHOUT the plugin (the transformer has not landed yet):"
"$build_dir/examples/bank_fallback" "$@"
