#!/usr/bin/env bash
# Soak: the thread-idiom suite (ctest label "threads") and the runtime's
# stress tests (label "stress"), many rounds in a row, with a busy process per
# core competing for the CPUs. Counts, per test, the runs that hung (stopped
# by the test watchdog), crashed or failed, and prints a summary; exits with
# 1 when any run did not pass. Needs a configured and built tree.
#
#   scripts/soak.sh [--no-hog] [soak.py options]
#
# soak.py options: --rounds N (200), --jobs N (cores), --labels REGEX,
# --tests REGEX, --all (also the known failing, disabled tests),
# --watchdog SECONDS, --build DIR (build), --log-dir DIR (soak-logs).
set -euo pipefail
cd "$(dirname "$0")/.."

hog=1
arguments=()
for argument in "$@"; do
  if [[ "$argument" == --no-hog ]]; then
    hog=0
  else
    arguments+=("$argument")
  fi
done

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
}
trap stop_hogs EXIT

if ((hog)); then
  cores="$(nproc 2>/dev/null || echo 2)"
  for ((i = 0; i < cores; ++i)); do
    (while :; do :; done) &
    hogs+=("$!")
  done
  echo "soak: $cores busy processes beside the tests"
fi

python3 scripts/soak.py "${arguments[@]}"
