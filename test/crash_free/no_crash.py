#!/usr/bin/env python3
"""Runs `stmify --check` over a code base and passes unless it crashes: a
signal, a clang crash report or a tool failure (exit status 2) fails it. With
--no-findings, a finding (exit status 1, or any error) fails it too.

  no_crash.py [--no-findings] [--one-command-per-file] <stmify> <summary-name>
              -- <stmify arguments...>

With --one-command-per-file, the compile database that `-p DIR` names is
checked with one command for each file: its strictest, the one with
-pedantic if there is one (the tool compiles the instrumented text with the
file's own warning flags), and not a sanitizer's build. A file's other
commands differ from that one in the plugin's arguments, sanitizer flags and
include paths the instrumented text does not need, which the tool does not
read, so checking them again finds nothing new.
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def preference(entry):
    """Lower is better: -pedantic first, then a build without sanitizers."""
    command = entry.get("command") or " ".join(entry.get("arguments", []))
    return ("-pedantic" not in command, "-fsanitize=" in command
            or "-fplugin-arg-stmify-sanitize" in command)


def one_command_per_file(args, scratch):
    """args with `-p DIR` replaced by a database of one command per file."""
    where = args.index("-p") + 1
    with open(os.path.join(args[where], "compile_commands.json")) as f:
        entries = json.load(f)
    chosen = {}
    for entry in entries:
        path = os.path.join(entry["directory"], entry["file"])
        if path not in chosen or preference(entry) < preference(chosen[path]):
            chosen[path] = entry
    with open(os.path.join(scratch, "compile_commands.json"), "w") as f:
        json.dump(list(chosen.values()), f)
    return args[:where] + [scratch] + args[where + 1:]


def main(argv):
    no_findings = "--no-findings" in argv
    per_file = "--one-command-per-file" in argv
    argv = [a for a in argv if a not in ("--no-findings", "--one-command-per-file")]
    tool, name = argv[1], argv[2]
    args = argv[argv.index("--") + 1:]
    with tempfile.TemporaryDirectory() as scratch:
        if per_file:
            args = one_command_per_file(args, scratch)
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
