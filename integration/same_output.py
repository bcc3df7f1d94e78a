#!/usr/bin/env python3
"""Runs several builds of one program; passes when every build exits with 0
and prints exactly what the first (the serial reference) prints."""
import subprocess
import sys


def run(binary):
    done = subprocess.run([binary], capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout, done.stderr


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
