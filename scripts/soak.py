#!/usr/bin/env python3
"""Runs the ctest tests of some labels many rounds in a row and counts, per
test, the runs that hung (the test watchdog stopped them), crashed, failed
(a wrong result or an error) or ran out of time without the watchdog firing.
scripts/soak.sh runs it beside a busy process per core.

A run's kind comes from its exit status: 113 is the watchdog's
(test/support/watchdog.h; integration/same_output.py passes it on), a signal
or 128 + N is a crash, any other non-zero status a failure."""
import argparse
import collections
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

WATCHDOG_EXIT_STATUS = 113
KINDS = ("passed", "hung", "crashed", "failed", "timed out")


def selected_tests(options):
    command = ["ctest", "--test-dir", options.build, "--show-only=json-v1", "-L", options.labels]
    if options.tests:
        command += ["-R", options.tests]
    listing = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    tests = []
    for test in listing["tests"]:
        properties = {p["name"]: p["value"] for p in test.get("properties", [])}
        if properties.get("DISABLED") and not options.all:
            continue
        environment = dict(os.environ)
        for setting in properties.get("ENVIRONMENT", []):
            name, _, value = setting.partition("=")
            environment[name] = value
        if options.watchdog is not None:
            environment["STMIFY_TEST_WATCHDOG"] = str(options.watchdog)
        environment["STMIFY_REFERENCE_CACHE"] = options.reference_cache
        tests.append({
            "name": test["name"],
            "command": test["command"],
            "cwd": properties.get("WORKING_DIRECTORY", options.build),
            "environment": environment,
            "timeout": float(properties.get("TIMEOUT", 600)),
        })
    return tests


def kind_of(status):
    if status == 0:
        return "passed"
    if status == WATCHDOG_EXIT_STATUS:
        return "hung"
    if status < 0 or status > 128:
        return "crashed"
    return "failed"


def run_once(test):
    started = time.monotonic()
    process = subprocess.Popen(test["command"], cwd=test["cwd"], env=test["environment"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=test["timeout"])
        kind = kind_of(process.returncode)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        kind = "timed out"
    return kind, output, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build", help="the build directory (default: build)")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--labels", default="threads|stress", help="ctest -L regex")
    parser.add_argument("--tests", help="ctest -R regex: only these tests")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="tests run at once")
    parser.add_argument("--all", action="store_true",
                        help="also run the disabled tests (STMIFY_THREADS_KNOWN_FAILING)")
    parser.add_argument("--watchdog", type=int, help="STMIFY_TEST_WATCHDOG for every run")
    parser.add_argument("--log-dir", default="soak-logs",
                        help="where the output of every run that did not pass goes")
    options = parser.parse_args()
    options.build = os.path.abspath(options.build)
    # The reference builds' outputs, run once (integration/same_output.py).
    reference_cache = tempfile.TemporaryDirectory(prefix="soak-references-")
    options.reference_cache = reference_cache.name

    tests = selected_tests(options)
    if not tests:
        print("soak: no test matches", file=sys.stderr)
        return 2
    os.makedirs(options.log_dir, exist_ok=True)
    counts = collections.defaultdict(collections.Counter)
    slowest = collections.defaultdict(float)
    print(f"soak: {options.rounds} rounds of {len(tests)} tests (labels {options.labels}), "
          f"{options.jobs} at a time", flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
        for round_number in range(1, options.rounds + 1):
            this_round = collections.Counter()
            for test, (kind, output, seconds) in zip(tests, pool.map(run_once, tests)):
                counts[test["name"]][kind] += 1
                this_round[kind] += 1
                slowest[test["name"]] = max(slowest[test["name"]], seconds)
                if kind != "passed":
                    log = os.path.join(options.log_dir, f"{test['name']}.round{round_number}.log")
                    with open(log, "w") as file:
                        file.write(output)
                    print(f"  {test['name']}: {kind} (round {round_number}, {log})", flush=True)
            print(f"round {round_number}/{options.rounds}: "
                  + ", ".join(f"{this_round[k]} {k}" for k in KINDS), flush=True)

    print("\ntest: runs by kind (" + ", ".join(KINDS) + "), slowest run")
    for test in tests:
        c = counts[test["name"]]
        print(f"{test['name']}: " + " ".join(str(c[k]) for k in KINDS)
              + f", {slowest[test['name']]:.1f} s")
    total = collections.Counter()
    for c in counts.values():
        total.update(c)
    print("total: " + ", ".join(f"{total[k]} {k}" for k in KINDS))
    return 0 if total["passed"] == sum(total.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
