#!/usr/bin/env python3
"""Runs several builds of one program; passes when every build exits with 0
and prints exactly what the first (the serial reference) prints. A build
that runs longer than STMIFY_TEST_WATCHDOG_SECONDS (default 300) has hung:
its threads' stacks are printed (through gdb) and it fails."""
import os
import subprocess
import sys

WATCHDOG_SECONDS = int(os.environ.get("STMIFY_TEST_WATCHDOG_SECONDS", "300"))


def stacks(pid):
    try:
        done = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex",
                               "thread apply all bt"], capture_output=True, text=True,
                              timeout=120)
        return done.stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(no stacks: {e})\n"


def run(binary):
    process = subprocess.Popen([binary], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        out, err = process.communicate(timeout=WATCHDOG_SECONDS)
        return process.returncode, out, err
    except subprocess.TimeoutExpired:
        trace = stacks(process.pid)
        process.kill()
        out, err = process.communicate()
        return "hung", out, err + f"watchdog: no exit after {WATCHDOG_SECONDS} s; stacks:\n" + trace


def main(binaries):
    reference = None
    failed = False
    for binary in binaries:
        status, out, err = run(binary)
        print(f"{binary}: exit {status}\n{out}{err}", end="")
        if status != 0:
            failed = True
        if reference is None:
            reference = out
        elif out != reference:
            print(f"{binary}: output differs from {binaries[0]}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
