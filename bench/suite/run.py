#!/usr/bin/env python3
"""Runs the workload suite and compares its builds rep by rep.

Every rep runs, for each workload, every configuration back to back in a
fixed order (the plain program on 1 thread, compiled by clang++-19 as the
stmify build is and by g++; the global mutex, g++ -fgnu-tm
with libitm's ml_wt STM and with libitm's default method, and stmify, each on
1 and 2 threads). Ratios are taken inside a rep (paired), then the median over
the reps is reported with its spread. The plain program compiled by g++
(GCC's reference for its TM build) is there too, so that a difference between
the compilers is not read as one between the STMs. Every run checks its own result; a
failed check or a crash makes the exit status 1.

    run.py --dir build/bench/suite [--reps 5] [--scale 1] [--cases bank,list256]
           [--markdown table.md] [--svg plot.svg] [--raw runs.txt] [--smoke]
           [--instructions] [--observe] [--checked]

--smoke runs every configuration once with few operations and prints no
ratios: a test that the programs are right, not a measurement.

--checked runs, with few operations, the stmify build and the one built with
the barrier sanitizer on 1 and 2 threads, each as it is, with forced aborts
(STMIFY_FORCE_ABORTS=2) and with a safe point visit at every one
(STMIFY_SAFE_POINT_INTERVAL=1): the transformer's output (its barriers left
out among it) checked on the suite's programs, not a measurement.

--instructions counts, instead of timing, the instructions one operation
executes on 1 thread (valgrind's callgrind, which does not depend on the
machine's load): each program runs with n and with 2n operations, and the
difference of the two totals divided by n leaves out the setup and the check.

--observe times, instead, only the stmify builds, on 1 and 2 threads, with
the conflict diagnostics off, with STMIFY_LOG (into a temporary file), with
STMIFY_VERBOSE=1 and with STMIFY_REPORT=1, back to back in each rep, and
prints each one's time divided by the time with them off.
"""

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from xml.sax.saxutils import escape

# (name, program, arguments, operations)
CASES = [
    ("bank", "bank", [], 2_000_000),
    ("counter", "counter", [], 5_000_000),
    ("list256", "list", [256, 20], 1_000_000),
    ("list4096", "list", [4096, 20], 100_000),
    ("rbtree", "rbtree", [16384, 10], 1_000_000),
    ("indep", "indep", [], 200_000),
    ("tasks", "tasks", [8], 40_000),
]

# (label, build, threads, environment); None unsets a variable.
CONFIGS = [
    ("plain", "plain", 1, {}),
    ("plain g++", "plaingxx", 1, {}),
    ("mutex", "mutex", 1, {}),
    ("mutex", "mutex", 2, {}),
    ("gcctm ml_wt", "gcctm", 1, {"ITM_DEFAULT_METHOD": "ml_wt"}),
    ("gcctm ml_wt", "gcctm", 2, {"ITM_DEFAULT_METHOD": "ml_wt"}),
    ("gcctm default", "gcctm", 1, {"ITM_DEFAULT_METHOD": None}),
    ("gcctm default", "gcctm", 2, {"ITM_DEFAULT_METHOD": None}),
    ("stmify", "stmify", 1, {}),
    ("stmify", "stmify", 2, {}),
]
LABELS = ["plain", "plain g++", "mutex", "gcctm ml_wt", "gcctm default", "stmify"]
COLOURS = {"plain g++": "#b5b5b5", "mutex": "#6b6b6b", "gcctm ml_wt": "#d9822b", "gcctm default": "#f2c14e",
           "stmify": "#2b6cb0"}


def environment_with(changes):
    """The process environment with changes applied; None unsets a variable."""
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_program(command, env, timeout):
    """The finished process, or (None, error) when it ran out of time."""
    try:
        return subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=timeout), None
    except subprocess.TimeoutExpired:
        return None, f"{' '.join(command)}: no result after {timeout} s"


def run_one(directory, case, config, scale, timeout):
    name, program, arguments, operations = case
    label, build, threads, environment = config
    ops = max(1, int(operations * scale))
    env = environment_with(environment)
    command = [os.path.join(directory, f"{program}-{build}"), str(threads), str(ops)]
    command += [str(a) for a in arguments]
    result, error = run_program(command, env, timeout)
    if error:
        return None, error
    fields = {}
    for line in result.stdout.splitlines():
        if line.startswith("bench="):
            fields = dict(item.split("=", 1) for item in line.split())
    if result.returncode != 0 or fields.get("check") != "OK":
        return None, (f"{' '.join(command)}: exit {result.returncode}, "
                      f"check {fields.get('check', 'missing')}\n{result.stderr[-2000:]}")
    return float(fields["secs"]) / ops, None


# Operations per instruction-counting run: enough to dwarf the noise of
# the setup's allocation pattern, few enough for valgrind.
INSTRUCTION_OPS = {"bank": 20_000, "counter": 50_000, "list256": 10_000, "list4096": 1_000,
                   "rbtree": 10_000, "indep": 2_000, "tasks": 400}
INSTRUCTION_CONFIGS = [c for c in CONFIGS if c[2] == 1]

CHECKED_CONFIGS = [
    (f"{build} {mode}", build, threads, environment)
    for build in ("stmify", "stmify-sanitize")
    for threads in (1, 2)
    for mode, environment in (("as is", {}), ("forced aborts", {"STMIFY_FORCE_ABORTS": "2"}),
                              ("every safe point", {"STMIFY_SAFE_POINT_INTERVAL": "1"}))
]


def count_instructions(directory, case, config, ops, timeout):
    """Instructions the run executes in all, or (None, error)."""
    name, program, arguments, _ = case
    label, build, _, environment = config
    env = environment_with(environment)
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "callgrind.out")
        # Without debug information: counting needs none, and valgrind 3.19
        # cannot read the DWARF 5 that clang 19 writes by default.
        binary = os.path.join(scratch, f"{program}-{build}")
        stripped = subprocess.run(["objcopy", "--strip-debug",
                                   os.path.join(directory, f"{program}-{build}"), binary],
                                  capture_output=True, text=True)
        if stripped.returncode != 0:
            return None, f"objcopy --strip-debug: {stripped.stderr[-2000:]}"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                   binary, "1", str(ops)]
        command += [str(a) for a in arguments]
        result, error = run_program(command, env, timeout)
        if error:
            return None, error
        if result.returncode != 0 or "check=OK" not in result.stdout:
            return None, f"{' '.join(command)}: exit {result.returncode}\n{result.stderr[-2000:]}"
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1]), None
    return None, f"{' '.join(command)}: no instruction count in callgrind's output"


def instructions(args, cases):
    if not shutil.which("valgrind"):
        print("run.py: --instructions needs valgrind (Debian package valgrind)", file=sys.stderr)
        return 1
    if not shutil.which("objcopy"):
        print("run.py: --instructions needs objcopy (Debian package binutils)", file=sys.stderr)
        return 1
    lines = ["| workload | build | instructions per operation | ÷ plain |", "|---|---|---|---|"]
    failures = 0
    for case in cases:
        ops = INSTRUCTION_OPS[case[0]]
        plain = None
        for config in INSTRUCTION_CONFIGS:
            counts = []
            for n in (ops, 2 * ops):
                count, error = count_instructions(args.dir, case, config, n, args.timeout)
                if error:
                    failures += 1
                    print(f"FAILED: {error}", file=sys.stderr)
                counts.append(count)
            if None in counts:
                continue
            per_op = (counts[1] - counts[0]) / ops
            if config[1] == "plain":
                plain = per_op
            ratio = f"{per_op / plain:.2f}" if plain else "–"
            lines.append(f"| {case[0]} | {config[0]} | {per_op:.0f} | {ratio} |")
            print(lines[-1], file=sys.stderr)
    table = "\n".join(lines)
    print(f"{time.strftime('%Y-%m-%d')}, valgrind --tool=callgrind, 1 thread, "
          "(I(2n) - I(n)) / n")
    print()
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    return 1 if failures else 0


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return float("nan")


def line_round_trip(directory):
    """Nanoseconds for one cache line to go to the other core and back
    (bench/line_round_trip, built beside the suite), or None. On a virtual
    machine it changes as the host places the vCPUs, and every commit on 2
    threads pays for such transfers."""
    probe = os.path.join(directory, os.pardir, "line_round_trip")
    if not os.path.exists(probe):
        return None
    try:
        out = subprocess.run([probe, "200000"], capture_output=True, text=True, timeout=60).stdout
        return float(out.split()[0])
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return None


def summarise(times, cases):
    """times[(case, label, threads)] -> list of seconds per op, one per rep."""
    rows = []
    for case in cases:
        name = case[0]
        plain = times.get((name, "plain", 1), [])
        for label in LABELS:
            one = times.get((name, label, 1), [])
            two = times.get((name, label, 2), [])
            row = {"case": name, "build": label}
            paired = [(p, a) for p, a in zip(plain, one) if p and a]
            if one and all(one):
                row["ns"] = statistics.median(one) * 1e9
            if paired:
                ratios = [a / p for p, a in paired]
                row["slowdown"] = (statistics.median(ratios), min(ratios), max(ratios))
            paired2 = [(p, b) for p, b in zip(plain, two) if p and b]
            if paired2:
                ratios = [p / b for p, b in paired2]
                row["vs_plain"] = (statistics.median(ratios), min(ratios), max(ratios))
            own = [(a, b) for a, b in zip(one, two) if a and b]
            if own:
                ratios = [a / b for a, b in own]
                row["scaling"] = (statistics.median(ratios), min(ratios), max(ratios))
            rows.append(row)
    return rows


def spread(value):
    median, low, high = value
    return f"{median:.2f} [{low:.2f}–{high:.2f}]"


def markdown(rows):
    lines = ["| workload | build | 1 thread, ns/op | 1 thread: time ÷ plain | "
             "2 threads: throughput ÷ plain | 2 threads ÷ own 1 thread |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        ns = f"{row['ns']:.1f}" if "ns" in row else "–"
        cells = [spread(row[k]) if k in row else "–" for k in ("slowdown", "vs_plain", "scaling")]
        if row["build"] == "plain":
            cells = ["1 (reference)", "–", "–"]
        lines.append(f"| {row['case']} | {row['build']} | {ns} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def svg(rows, cases, title):
    """Two panels: 1-thread time ÷ plain (log scale, lower is better) and
    2-thread throughput ÷ plain (higher is better), one bar per build."""
    builds = [b for b in LABELS if b != "plain"]
    bar, gap, label_width, panel_width = 9, 10, 90, 330
    group = len(builds) * bar + gap
    top = 60
    height = top + group * len(cases) + 70
    width = label_width + 2 * panel_width + 60
    by_key = {(r["case"], r["build"]): r for r in rows}
    slow_max = max([r["slowdown"][0] for r in rows if "slowdown" in r] + [2])
    fast_max = max([r["vs_plain"][0] for r in rows if "vs_plain" in r] + [1.5])
    log_max = math.log10(slow_max) * 1.05

    def x_slow(v):
        return label_width + panel_width * (math.log10(max(v, 1e-3)) / log_max if log_max else 0)

    def x_fast(v):
        return label_width + panel_width + 40 + panel_width * v / (fast_max * 1.05)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
           f'<text x="{label_width}" y="{top - 12}">1 thread: time ÷ plain '
           f'(log scale; lower is better)</text>',
           f'<text x="{label_width + panel_width + 40}" y="{top - 12}">2 threads: throughput '
           f'÷ plain 1 thread (higher is better)</text>']
    for i, case in enumerate(cases):
        y0 = top + i * group
        out.append(f'<text x="8" y="{y0 + group / 2}">{escape(case[0])}</text>')
        for j, build in enumerate(builds):
            row = by_key.get((case[0], build), {})
            y = y0 + j * bar
            for key, x_of, origin in (("slowdown", x_slow, 1), ("vs_plain", x_fast, 0)):
                if key not in row:
                    continue
                v = row[key][0]
                x0, x1 = sorted((x_of(origin), x_of(v)))
                out.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" '
                           f'height="{bar - 1}" fill="{COLOURS[build]}"><title>{escape(build)}: '
                           f'{v:.2f}</title></rect>')
                out.append(f'<text x="{x1 + 3:.1f}" y="{y + bar - 1}" font-size="8">{v:.2f}</text>')
    bottom = top + group * len(cases)
    for x in (x_slow(1), x_fast(1)):
        out.append(f'<line x1="{x:.1f}" y1="{top - 5}" x2="{x:.1f}" y2="{bottom}" '
                   f'stroke="black" stroke-dasharray="3,2"/>')
    for x, text in ((x_slow(1), "1 (plain)"), (x_fast(1), "1 (plain)")):
        out.append(f'<text x="{x:.1f}" y="{bottom + 12}" text-anchor="middle">{text}</text>')
    for j, build in enumerate(builds):
        x = label_width + j * 130
        out.append(f'<rect x="{x}" y="{bottom + 30}" width="10" height="10" '
                   f'fill="{COLOURS[build]}"/>')
        out.append(f'<text x="{x + 14}" y="{bottom + 39}">{escape(build)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


OBSERVE_MODES = [("off", {}), ("STMIFY_LOG", {"STMIFY_LOG": "LOG"}),
                 ("STMIFY_VERBOSE=1", {"STMIFY_VERBOSE": "1"}),
                 ("STMIFY_REPORT=1", {"STMIFY_REPORT": "1"})]


def observe(args, cases):
    """Time of each diagnostics mode ÷ time with them off, paired by rep."""
    times = {}
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        log = os.path.join(scratch, "run.log")
        for rep in range(args.reps):
            for case in cases:
                for threads in (1, 2):
                    for mode, changes in OBSERVE_MODES:
                        env = {k: (log if v == "LOG" else v) for k, v in changes.items()}
                        config = ("stmify", "stmify", threads, env)
                        per_op, error = run_one(args.dir, case, config, args.scale, args.timeout)
                        if error:
                            failures.append(error)
                            print(f"FAILED: {error}", file=sys.stderr)
                        times.setdefault((case[0], threads, mode), []).append(per_op)
            print(f"rep {rep + 1} of {args.reps} done", file=sys.stderr)
    lines = ["| workload | threads | off, ns/op | " +
             " | ".join(f"{m} ÷ off" for m, _ in OBSERVE_MODES[1:]) + " |",
             "|---|---|---|" + "---|" * (len(OBSERVE_MODES) - 1)]
    for case in cases:
        for threads in (1, 2):
            off = times[(case[0], threads, "off")]
            cells = []
            for mode, _ in OBSERVE_MODES[1:]:
                ratios = [m / o for o, m in zip(off, times[(case[0], threads, mode)]) if o and m]
                cells.append(spread((statistics.median(ratios), min(ratios), max(ratios)))
                             if ratios else "–")
            ns = f"{statistics.median([o for o in off if o]) * 1e9:.1f}" if any(off) else "–"
            lines.append(f"| {case[0]} | {threads} | {ns} | " + " | ".join(cells) + " |")
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, {args.reps} reps, "
          f"op counts × {args.scale:g}")
    print()
    print("\n".join(lines))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True, help="where the suite's programs are")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the op counts")
    parser.add_argument("--cases", help="comma-separated workloads (default: all)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--svg", help="draw the table as a plot into this file")
    parser.add_argument("--raw", help="write every run's time per operation to this file")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--smoke", action="store_true",
                        help="one rep with few operations; checks results only")
    parser.add_argument("--checked", action="store_true",
                        help="run the stmify builds, sanitized too, in the checking modes")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per operation under callgrind instead")
    parser.add_argument("--observe", action="store_true",
                        help="time STMIFY_LOG, STMIFY_VERBOSE and STMIFY_REPORT against them off")
    args = parser.parse_args()

    cases = CASES
    if args.cases:
        wanted = args.cases.split(",")
        unknown = set(wanted) - {c[0] for c in CASES}
        if unknown:
            parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
        cases = [c for c in CASES if c[0] in wanted]
    if args.instructions:
        return instructions(args, cases)
    if args.observe:
        return observe(args, cases)
    reps, scale = args.reps, args.scale
    configs = CONFIGS
    if args.smoke or args.checked:
        reps, scale = 1, 0.002
    if args.checked:
        configs = CHECKED_CONFIGS

    times = {}
    failures = []
    loads = []
    round_trips = []
    raw = []
    for rep in range(reps):
        loads.append(load_average())
        if not (args.smoke or args.checked):
            round_trips.append(line_round_trip(args.dir))
        for case in cases:
            for config in configs:
                per_op, error = run_one(args.dir, case, config, scale, args.timeout)
                if error:
                    failures.append(error)
                    print(f"FAILED: {error}", file=sys.stderr)
                key = (case[0], config[0], config[2])
                times.setdefault(key, []).append(per_op)
                raw.append(f"rep={rep + 1} case={case[0]} build={config[0].replace(' ', '-')} "
                           f"threads={config[2]} "
                           f"ns_per_op={per_op * 1e9 if per_op else float('nan'):.2f}")
        if not (args.smoke or args.checked):
            print(f"rep {rep + 1} of {reps} done", file=sys.stderr)

    if args.raw:
        with open(args.raw, "w") as f:
            f.write("\n".join(raw) + "\n")
    if args.smoke or args.checked:
        runs = len(cases) * len(configs)
        print(f"{runs - len(failures)} of {runs} runs passed their checks")
        return 1 if failures else 0

    rows = summarise(times, cases)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    header = (f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs ({cpu}), {reps} reps, "
              f"op counts × {scale:g}; load average at each rep's start: "
              + ", ".join(f"{l:.2f}" for l in loads))
    if any(r is not None for r in round_trips):
        header += ("; a cache line's round trip between two cores (bench/line_round_trip): "
                   + ", ".join("?" if r is None else f"{r:.0f} ns" for r in round_trips))
    table = markdown(rows)
    print(header)
    print()
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(header + "\n\n" + table + "\n")
    if args.svg:
        with open(args.svg, "w") as f:
            f.write(svg(rows, cases, f"stmify workload suite, {reps} reps (medians)"))
    if failures:
        print(f"{len(failures)} runs failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
