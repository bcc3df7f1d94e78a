#!/usr/bin/env python3
"""GoogleTest (the sources Debian ships in /usr/src/googletest) as a whole
project for stmify, built in a scratch directory. Nothing of it is copied
into stmify's tree.

  googletest.py plugin ARGS   configures GoogleTest with -fplugin on every
      compile, builds it with its own tests, runs its test suite; then runs
      the stmify tool over it (the output must equal the sources, which do
      not use stmify's API), and instruments the library with
      --instrument-all, compiles that with g++ and clang++-19 and runs one of
      GoogleTest's tests linked against it.
  googletest.py check ARGS    runs `stmify --check --instrument-all` over
      GoogleTest's sources: every file instrumented, the instrumented text
      compiled; no diagnostic, no failure.
"""
import argparse
import filecmp
import json
import os
import shlex
import subprocess
import sys


def run(cmd, **kwargs):
    print("+ " + " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    done = subprocess.run([str(c) for c in cmd], **kwargs)
    if done.returncode != 0:
        sys.exit(f"failed with exit status {done.returncode}: {cmd[0]}")
    return done


def configure(args, build, extra):
    run(["cmake", "-G", "Ninja", "-S", args.source, "-B", build,
         f"-DCMAKE_CXX_COMPILER={args.cxx}", f"-DCMAKE_C_COMPILER={args.cc}",
         "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-Dgtest_build_tests=ON"] + extra,
        stdout=subprocess.DEVNULL)
    with open(os.path.join(build, "compile_commands.json")) as f:
        return json.load(f)


def tool_output_is_the_sources(args, build, commands):
    """Files that do not use the API pass through the tool unchanged."""
    out = os.path.join(args.work, "tool-out")
    files = sorted({c["file"] for c in commands})
    run([args.stmify, "-p", build, "--root", args.source, "--out-dir", out] + files)
    written = 0
    for top, _, names in os.walk(out):
        for name in names:
            path = os.path.join(top, name)
            source = os.path.join(args.source, os.path.relpath(path, out))
            if not filecmp.cmp(path, source, shallow=False):
                sys.exit(f"the tool changed {source}")
            written += 1
    print(f"stmify --out-dir: {written} files written, all equal to the sources")


def output_of(command):
    words = shlex.split(command["command"])
    return words[words.index("-o") + 1] if "-o" in words else ""


def flags_of(command, source_root, instrumented_root):
    """The compile flags of a database entry, with include directories
    pointing into the instrumented tree."""
    words = shlex.split(command["command"])[1:]
    flags, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w in ("-o", "-c"):
            skip = w == "-o"
            continue
        if w == command["file"] or w.endswith(".cc") or w.startswith("-fplugin"):
            continue  # the instrumented text is compiled as it is, without the plugin
        flags.append(w.replace(source_root, instrumented_root))
    return flags


def instrumented_library_runs(args, build, commands):
    """The library, every file instrumented, compiled by g++ and clang++-19,
    runs one of GoogleTest's tests."""
    out = os.path.join(args.work, "instrumented")
    library = {c["file"]: c for c in commands
               if any(f"CMakeFiles/{target}.dir/" in output_of(c) for target in ("gtest", "gtest_main"))}
    test = next(c for c in commands if c["file"].endswith("googletest-message-test.cc"))
    run([args.stmify, "-p", build, "--instrument-all", f"--extra-arg=-I{args.include}",
         "--root", args.source, "--out-dir", out] + sorted(library))
    for compiler in (args.gxx, args.cxx):
        name = os.path.basename(compiler)
        objects = []
        for source, command in sorted(library.items()):
            instrumented = os.path.join(out, os.path.relpath(source, args.source))
            obj = os.path.join(args.work, f"{name}-{os.path.basename(source)}.o")
            run([compiler] + flags_of(command, args.source, out) +
                ["-D__STMIFY__=1", f"-I{args.include}", "-include", "stmify/stm.hpp",
                 "-c", instrumented, "-o", obj])
            objects.append(obj)
        obj = os.path.join(args.work, f"{name}-message-test.o")
        run([compiler] + flags_of(test, args.source, args.source) + ["-c", test["file"], "-o", obj])
        binary = os.path.join(args.work, f"{name}-message-test")
        run([compiler, obj] + objects + [args.runtime, "-pthread", "-o", binary])
        run([binary, "--gtest_brief=1"])


def plugin(args):
    build = os.path.join(args.work, "plugin-build")
    commands = configure(args, build, [f"-DCMAKE_CXX_FLAGS=-fplugin={args.plugin}",
                                       "-Dgmock_build_tests=" + ("ON" if args.all else "OFF")])
    cxx = [c for c in commands if c["file"].endswith((".cc", ".cpp"))]
    missing = [c["file"] for c in cxx if f"-fplugin={args.plugin}" not in c["command"]]
    if missing:
        sys.exit(f"compiled without the plugin: {missing}")
    print(f"{len(cxx)} compile commands, every one with -fplugin", flush=True)
    run(["cmake", "--build", build, "--", f"-j{args.jobs}"], stdout=subprocess.DEVNULL)
    run(["ctest", "--output-on-failure", f"-j{args.jobs}"], cwd=build)
    tool_output_is_the_sources(args, build, commands)
    instrumented_library_runs(args, build, commands)


def check(args):
    build = os.path.join(args.work, "database")
    commands = configure(args, build, ["-Dgmock_build_tests=ON"])
    files = sorted({c["file"] for c in commands
                    if args.all or os.path.basename(c["file"]) in args.files.split(",")})
    run([args.stmify, "-p", build, "--check", "--instrument-all",
         f"--extra-arg=-I{args.include}"] + files)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["plugin", "check"])
    parser.add_argument("--source", default="/usr/src/googletest")
    parser.add_argument("--work", required=True)
    parser.add_argument("--stmify", required=True)
    parser.add_argument("--plugin")
    parser.add_argument("--cxx", required=True)
    parser.add_argument("--cc", required=True)
    parser.add_argument("--gxx")
    parser.add_argument("--include", required=True)
    parser.add_argument("--runtime")
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--files", default="", help="check: the files, by name")
    parser.add_argument("--all", action="store_true",
                        help="all of GoogleTest: GoogleMock's tests too (plugin), every file (check)")
    args = parser.parse_args()
    # The paths go into another project's build: make them absolute.
    for name in ("source", "work", "stmify", "plugin", "include", "runtime"):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    os.makedirs(args.work, exist_ok=True)
    plugin(args) if args.step == "plugin" else check(args)


if __name__ == "__main__":
    main()
