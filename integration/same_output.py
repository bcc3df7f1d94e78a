#!/usr/bin/env python3
"""Runs several builds of one program; passes when every build exits with 0
and prints exactly what the first (the serial reference) prints, or, with
--expected FILE, what FILE holds.

The exit status tells what went wrong, the worst first, so that scripts can
count failures by kind (scripts/soak.sh): 113 a run hung (the test watchdog,
test/support/watchdog.h, stopped it with that status), 128 + N a run crashed
(killed by signal N), 1 a run failed or printed something else, 0 every run
was right. A build that does not link the test watchdog and runs longer than
STMIFY_TEST_WATCHDOG_SECONDS (default 300) has hung too: its threads' stacks
are printed through gdb."""
import argparse
import collections
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

# test/support/watchdog.h: watchdog_exit_status.
WATCHDOG_EXIT_STATUS = 113

# Kinds of failure, the worst last.
PASSED, WRONG, CRASHED, HUNG = 0, 1, 2, 3

# A frame as backtrace_symbols_fd prints it: binary(symbol+0xoffset)[0xaddress]
# or, for a function the dynamic symbol table does not name, binary(+0xoffset).
FRAME = re.compile(r"^(?P<binary>[^\s(]+)\((?P<symbol>[^)+]*)\+0x(?P<offset>[0-9a-f]+)\)\[0x[0-9a-f]+\]$")


def resolve_frames(text):
    """Adds function and source line to the frames of the watchdog's stacks
    that name no function, and demangles the names of the others."""
    addr2line = shutil.which("addr2line")
    cxxfilt = shutil.which("c++filt")
    lines = text.split("\n")
    unnamed = collections.defaultdict(set)
    mangled = set()
    for line in lines:
        frame = FRAME.match(line)
        if frame and frame["symbol"]:
            mangled.add(frame["symbol"])
        elif frame:
            unnamed[frame["binary"]].add(frame["offset"])
    where = {}
    if addr2line:
        for binary, offsets in unnamed.items():
            offsets = sorted(offsets)
            done = subprocess.run([addr2line, "-C", "-f", "-e", binary] + ["0x" + o for o in offsets],
                                  capture_output=True, text=True)
            answer = done.stdout.split("\n")
            if done.returncode != 0 or len(answer) < 2 * len(offsets):
                continue
            for i, offset in enumerate(offsets):
                function, source = answer[2 * i], answer[2 * i + 1]
                if function != "??" and not source.startswith("??"):
                    where[(binary, offset)] = f"{function} at {source}"
    names = {}
    if cxxfilt and mangled:
        order = sorted(mangled)
        done = subprocess.run([cxxfilt], input="\n".join(order) + "\n", capture_output=True, text=True)
        names = dict(zip(order, done.stdout.split("\n")))
    for i, line in enumerate(lines):
        frame = FRAME.match(line)
        if not frame:
            continue
        if frame["symbol"] and names.get(frame["symbol"], frame["symbol"]) != frame["symbol"]:
            lines[i] = f"{line}  {names[frame['symbol']]}"
        elif (frame["binary"], frame["offset"]) in where:
            lines[i] = f"{line}  {where[(frame['binary'], frame['offset'])]}"
    return "\n".join(lines)


WATCHDOG_SECONDS = int(os.environ.get("STMIFY_TEST_WATCHDOG_SECONDS", "300"))


def stacks(pid):
    try:
        done = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
                              capture_output=True, text=True, timeout=120)
        return done.stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(no stacks: {e})\n"


def run(binary):
    process = subprocess.Popen([binary], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=WATCHDOG_SECONDS)
        return process.returncode, out, err
    except subprocess.TimeoutExpired:
        trace = stacks(process.pid)
        process.kill()
        out, err = process.communicate()
        return (WATCHDOG_EXIT_STATUS, out,
                err + f"no exit after {WATCHDOG_SECONDS} s (STMIFY_TEST_WATCHDOG_SECONDS); stacks:\n{trace}")


def run_reference(binary):
    """The reference's run; with STMIFY_REFERENCE_CACHE (a directory, set by
    scripts/soak.py) a successful run is kept there and reused while the
    binary is unchanged, so that many rounds run only the builds under test."""
    cache = os.environ.get("STMIFY_REFERENCE_CACHE")
    if not cache:
        return run(binary)
    stat = os.stat(binary)
    key = hashlib.sha256(f"{os.path.abspath(binary)}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()
    path = os.path.join(cache, key)
    try:
        with open(path) as kept:
            return 0, kept.read(), ""
    except FileNotFoundError:
        pass
    status, out, err = run(binary)
    if status == 0:
        with tempfile.NamedTemporaryFile("w", dir=cache, delete=False) as kept:
            kept.write(out)
        os.replace(kept.name, path)
    return status, out, err


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expected", help="a file with the output every build must print")
    parser.add_argument("binaries", nargs="+")
    options = parser.parse_args()
    reference = None
    reference_name = options.expected
    if options.expected:
        with open(options.expected) as expected:
            reference = expected.read()
    verdict, status_of_verdict = PASSED, 0
    for binary in options.binaries:
        status, out, err = run_reference(binary) if reference is None else run(binary)
        if status == WATCHDOG_EXIT_STATUS:
            kind, rank = "hung: stopped by the watchdog", HUNG
            err = resolve_frames(err)
        elif status < 0:
            kind, rank = f"crashed: signal {-status}", CRASHED
        elif status != 0:
            kind, rank = "failed", WRONG
        else:
            kind, rank = "", PASSED
        print(f"{binary}: exit {status}{' (' + kind + ')' if kind else ''}\n{out}{err}", end="")
        if reference is None:
            reference, reference_name = out, binary
        elif out != reference and rank == PASSED:
            print(f"{binary}: output differs from {reference_name}")
            rank = WRONG
        if rank > verdict:
            verdict = rank
            status_of_verdict = {WRONG: 1, CRASHED: 128 - status, HUNG: WATCHDOG_EXIT_STATUS}[rank]
    return status_of_verdict


if __name__ == "__main__":
    sys.exit(main())
