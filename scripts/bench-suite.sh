#!/usr/bin/env bash
# Builds the workload suite (bench/suite: each workload as the plain program,
# under a global std::mutex, with g++ -fgnu-tm and with stmify) and runs it:
# every rep runs every build of every workload back to back, and the table of
# paired ratios (medians over the reps, with their spread) is printed.
#
#   scripts/bench-suite.sh [run.py options]
#
# run.py options: --reps N (5), --scale X (1), --cases bank,list256,...,
# --markdown FILE, --svg FILE, --raw FILE, --instructions (instructions per
# operation under valgrind's callgrind instead of times). Not a test: nothing
# fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${STMIFY_BUILD_DIR:-build}"
scripts/configure.sh "$build_dir"
cmake --build "$build_dir" --target bench_suite
python3 bench/suite/run.py --dir "$build_dir/bench/suite" "$@"
