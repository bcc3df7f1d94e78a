#!/usr/bin/env python3
"""Compile-time cost of the stmify plugin: each file compiled with and
without -fplugin in the same run (best of N runs each), printed as a ratio.

  compile_time.py <clang++-19> <libstmify.so> <include dir> [files...]
"""
import os
import subprocess
import sys
import tempfile
import time

RUNS = 5


def best_time(command):
    best = None
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main(argv):
    clang, plugin, include = argv[1:4]
    files = argv[4:]
    with tempfile.TemporaryDirectory() as out:
        obj = os.path.join(out, "x.o")
        print(f"{'file':<34} {'flags':<6} {'plain s':>8} {'plugin s':>9} {'ratio':>6}")
        for flags in (["-O0"], ["-O2"], ["-O2", "-g"]):
            ratios = []
            for f in files:
                base = [clang, "-std=c++17", f"-I{include}", *flags, "-c", f, "-o", obj]
                plain = best_time(base)
                instrumented = best_time(base[:1] + [f"-fplugin={plugin}"] + base[1:])
                ratios.append(instrumented / plain)
                print(f"{os.path.relpath(f):<34} {' '.join(flags):<6} {plain:8.3f} "
                      f"{instrumented:9.3f} {instrumented / plain:6.2f}")
            mean = sum(ratios) / len(ratios)
            print(f"{'mean ratio':<34} {' '.join(flags):<6} {'':8} {'':9} {mean:6.2f}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
