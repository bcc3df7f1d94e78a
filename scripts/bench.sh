#!/usr/bin/env bash
# Builds and runs stmify's benchmarks (not tests: nothing here passes or fails).
# Prints the figures recorded in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${STMIFY_BUILD_DIR:-build}"
scripts/configure.sh "$build_dir"
cmake --build "$build_dir" --target runtime_bench barrier_instructions stmify_plugin
bench="$build_dir/bench"

echo "== Instructions per barrier fast path (callgrind, difference of two run lengths)"
if command -v valgrind >/dev/null 2>&1; then
  # Valgrind 3.19 cannot read Clang 19's DWARF 5: measure a stripped copy.
  probe="$(mktemp)"
  trap 'rm -f "$probe"' EXIT
  objcopy --strip-debug "$bench/barrier_instructions" "$probe"
  instructions() { # mode steps -> total instructions of the run
    STMIFY_SEGMENTS=1 STMIFY_HEAP_LIMIT=16M valgrind --tool=callgrind \
      --callgrind-out-file=/dev/null "$probe" "$1" "$2" 2>&1 >/dev/null |
      sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
  }
  per_step() { # mode -> instructions per loop step
    local a b
    a=$(instructions "$1" 100000)
    b=$(instructions "$1" 200000)
    echo $(( (b - a) / 100000 ))
  }
  read_b=$(per_step read); read_p=$(per_step plain-read)
  write_b=$(per_step write); write_p=$(per_step plain-write)
  echo "  read:  $read_b per step with stm::rd, $read_p plain: $((read_b - read_p)) for the barrier"
  echo "  write: $write_b per step with stm::wr, $write_p plain: $((write_b - write_p)) for the barrier"
  echo "  an empty atomic block: $(per_step empty-atomic)"
  echo "  a mutex lock and unlock: $(per_step libc-locked) in a program without the runtime;" \
    "with it, $(per_step locked) in an attached thread, $(per_step unattached-locked) in another"
else
  echo "  (valgrind not installed)"
fi

echo "== Runtime microbenchmarks (STMIFY_SEGMENTS=2)"
STMIFY_SEGMENTS=2 "$bench/runtime_bench" "$@"

echo "== Compile time with the plugin vs without (best of 5 each, same run)"
python3 bench/compile_time.py clang++-19 "$build_dir/lib/libstmify.so" include \
  examples/bank/bank.cpp integration/programs/*.cpp
