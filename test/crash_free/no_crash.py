#!/usr/bin/env python3
"""Runs `stmify --check` over a code base and passes unless it crashes: a
signal, a clang crash report or a tool failure (exit status 2) fails it. With
--no-findings, a finding (exit status 1, or any error) fails it too.

  no_crash.py [--no-findings] <stmify> <summary-name> -- <stmify arguments...>
"""
import re
import subprocess
import sys


def main(argv):
    no_findings = "--no-findings" in argv
    argv = [a for a in argv if a != "--no-findings"]
    tool, name = argv[1], argv[2]
    args = argv[argv.index("--") + 1:]
    done = subprocess.run([tool, "--check"] + args, capture_output=True, text=True)
    output = done.stdout + done.stderr
    crashed = done.returncode < 0 or done.returncode > 1 or \
        "PLEASE submit a bug report" in output or "Stack dump" in output
    errors = sum(1 for line in output.splitlines() if ": error: " in line)
    files = sum(1 for line in output.splitlines() if re.match(r"\[\d+/\d+\] ", line))
    print(f"{name}: stmify --check over {files} translation units: exit {done.returncode}, "
          f"{errors} diagnostics, {'CRASHED' if crashed else 'no crash'}")
    failed = crashed or (no_findings and (done.returncode != 0 or errors))
    if failed:
        print(output[-20000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
