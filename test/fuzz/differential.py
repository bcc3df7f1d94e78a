#!/usr/bin/env python3
"""Differential fuzzing: random programs (generate.py) built without the plugin
and with it must print the same checksums.

    differential.py --build BUILD [--first N] [--count N] [--per-file N]
                    [--jobs N] [--asan] [--keep DIR]

Programs are generated --per-file at a time into one translation unit, which
is built with clang++-19 at -O2: without the plugin (the reference: one global
lock), with it, and with it and its barrier sanitizer. The reference runs
once; the plugin build runs on 4 segments; the sanitized build runs on 4
segments, on 1, and on 4 with every atomic block and task aborting its first
two attempts (STMIFY_FORCE_ABORTS=2). --asan adds a plugin build under
AddressSanitizer and UBSan, run on 4 segments. Every run is under the test
watchdog: a hang prints the stacks of the stuck threads.

A program whose checksum differs in any run, whose run crashed or hung, or
whose file the plugin refused, is a finding: the report names its seed and
the run, `generate.py SEED` prints it again, and with --keep the file and the
outputs are kept. Exits with 1 if there is any finding.
"""

import argparse
import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE.parent.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

WATCHDOG_EXIT = 113
RUNS = [
    ("4 segments", {"STMIFY_SEGMENTS": "4"}),
    ("1 segment", {"STMIFY_SEGMENTS": "1"}),
    ("forced aborts", {"STMIFY_SEGMENTS": "4", "STMIFY_FORCE_ABORTS": "2"}),
]


class Builds:
    def __init__(self, build, compiler, asan):
        self.compiler = compiler
        self.plugin = build / "lib" / "libstmify.so"
        self.runtime = build / "runtime" / "libstmify_runtime.a"
        self.watchdog = build / "test" / "support" / "libstmify_test_watchdog.a"
        self.asan = asan
        for path in (self.plugin, self.runtime, self.watchdog):
            if not path.exists():
                sys.exit(f"differential.py: {path} is missing; build the project first")

    def command(self, source, binary, plugin, flags=()):
        command = [self.compiler, "-std=c++20", "-O2", "-g1", "-w", f"-I{SOURCE / 'include'}",
                   str(source), "-o", str(binary), "-pthread", "-rdynamic",
                   "-Wl,--whole-archive", str(self.watchdog), "-Wl,--no-whole-archive"]
        if plugin:
            command[1:1] = [f"-fplugin={self.plugin}"]
            command.append(str(self.runtime))
        command[1:1] = list(flags)
        return command


def run(binary, environment, timeout, program=None):
    """Runs all the programs of a binary, or the one named."""
    env = dict(os.environ)
    env.update(environment)
    env.setdefault("STMIFY_TEST_WATCHDOG", str(timeout))
    command = [str(binary)] + ([program] if program else [])
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        return None, "", "timed out"
    return done.returncode, done.stdout, done.stderr


def checksums(output):
    result = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("p"):
            result[parts[0]] = parts[1]
    return result


def describe(status):
    if status is None:
        return "timed out"
    if status == WATCHDOG_EXIT:
        return "hung (watchdog)"
    if status < 0:
        return f"killed by signal {-status}"
    return f"exit status {status}"


def fuzz_file(builds, first, count, work, timeout):
    """Returns (programs, findings): findings are (seed, what, details)."""
    directory = pathlib.Path(tempfile.mkdtemp(prefix=f"batch{first}-", dir=work))
    source = directory / f"programs_{first}.cpp"
    source.write_text(generate.translation_unit(first, count))
    seeds = list(range(first, first + count))
    findings = []

    def compile_one(name, plugin, flags=()):
        binary = directory / name
        done = subprocess.run(builds.command(source, binary, plugin, flags),
                              capture_output=True, text=True)
        return binary if done.returncode == 0 else None, done.stderr

    reference, errors = compile_one("fallback", plugin=False)
    if reference is None:
        return count, [(first, "the generator wrote a program the compiler rejects", errors[-3000:])], directory
    status, output, stderr = run(reference, {}, timeout)
    expected = checksums(output)
    if status != 0 or len(expected) != count:
        return count, [(first, f"the reference build: {describe(status)}", stderr[-3000:])], directory

    # (name, compiler flags, runs)
    builds_to_run = [("plugin", [], RUNS[:1]),
                     ("plugin-sanitize", ["-fplugin-arg-stmify-sanitize"], RUNS)]
    if builds.asan:
        builds_to_run.append(
            ("plugin-asan", ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"], RUNS[:1]))
    for name, flags, runs in builds_to_run:
        binary, errors = compile_one(name, plugin=True, flags=flags)
        if binary is None:
            findings.append((first, f"{name}: the plugin refused or failed", errors[-3000:]))
            continue
        for label, environment in runs:
            status, output, stderr = run(binary, environment, timeout)
            before = len(findings)
            for seed in seeds:
                key = f"p{seed}"
                # After a failed run, each program runs alone to name the one.
                alone = run(binary, environment, timeout, key) if status != 0 else (0, output, "")
                got = checksums(alone[1]).get(key)
                if alone[0] != 0:
                    findings.append((seed, f"{name}, {label}: {describe(alone[0])}",
                                     alone[2][-3000:]))
                elif got != expected[key]:
                    findings.append((seed, f"{name}, {label}: checksum {got} instead of "
                                     f"{expected[key]}", ""))
            if status != 0 and len(findings) == before:
                findings.append((first, f"{name}, {label}: {describe(status)} "
                                 "(no program fails alone)", stderr[-3000:]))
    return count, findings, directory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, type=pathlib.Path, help="the project's build directory")
    parser.add_argument("--first", type=int, default=0, help="the first seed")
    parser.add_argument("--count", type=int, default=100, help="how many programs")
    parser.add_argument("--per-file", type=int, default=25, help="programs per translation unit")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--asan", action="store_true", help="also a plugin build under ASan and UBSan")
    parser.add_argument("--compiler", default="clang++-19")
    parser.add_argument("--timeout", type=int, default=60, help="seconds before the watchdog stops a run")
    parser.add_argument("--keep", type=pathlib.Path, help="keep the files with findings here")
    options = parser.parse_args()

    builds = Builds(options.build.resolve(), options.compiler, options.asan)
    work = pathlib.Path(tempfile.mkdtemp(prefix="stmify-fuzz-"))
    batches = [(first, min(options.per_file, options.first + options.count - first))
               for first in range(options.first, options.first + options.count, options.per_file)]
    programs = 0
    all_findings = []
    try:
        with concurrent.futures.ThreadPoolExecutor(options.jobs) as pool:
            futures = [pool.submit(fuzz_file, builds, first, count, work, options.timeout)
                       for first, count in batches]
            for future in concurrent.futures.as_completed(futures):
                count, findings, directory = future.result()
                programs += count
                print(f"differential: {programs} of {options.count} programs done, "
                      f"{len(all_findings) + len(findings)} findings", file=sys.stderr, flush=True)
                for seed, what, details in findings:
                    print(f"FINDING seed {seed}: {what}", flush=True)
                    if details:
                        print("  " + details.strip().replace("\n", "\n  "), flush=True)
                if findings and options.keep:
                    options.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copytree(directory, options.keep / directory.name, dirs_exist_ok=True)
                all_findings += findings
                shutil.rmtree(directory, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seeds = sorted({seed for seed, _, _ in all_findings})
    print(f"differential: {programs} programs (seeds {options.first}.."
          f"{options.first + options.count - 1}), {len(all_findings)} findings"
          + (f" in seeds {', '.join(map(str, seeds))}" if seeds else ""))
    return 1 if all_findings else 0


if __name__ == "__main__":
    sys.exit(main())
