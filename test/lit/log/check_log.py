#!/usr/bin/env python3
"""Checks stmify-log's output for test/lit/log/stmify-log.cpp.

  check_log.py --schema S --json J [--source SRC --expect KIND:A:B[:C] ...]
               [--stats OUT] [--svg SVG --segments N]
      validates J against the schema S; with --expect, the report's conflict
      and inevitable entries must be exactly those named (segment and
      stopped-world waits are the scheduler's, not the program's, and are
      not counted), each site on the line of SRC marked "site: NAME" ("-":
      no site recorded) and, written NAME@FUNCTION, in that function; the entries must be sorted by time lost and paused; with --stats, the
      commits and aborts the program printed (from stm::stats()) must be the
      log's; with --svg, the timeline must be SVG with one lane per segment.
  check_log.py --kill-after SECONDS --log L -- PROGRAM ARGS...
      runs PROGRAM with STMIFY_LOG=L and kills it (SIGKILL) after SECONDS.
  check_log.py --cut LOG OUT
      writes LOG without the last 10 bytes to OUT.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import jsonschema

NOISE = {"segment", "stopped-world"}


def fail(message):
    sys.exit("check_log.py: " + message)


def marker_lines(source):
    lines = {}
    with open(source) as f:
        for number, line in enumerate(f, 1):
            m = re.search(r"// site: (.*)$", line)
            if m:
                for name in m.group(1).split():
                    lines.setdefault(name, number)  # not the CHECK lines that quote it
    return lines


def site_line(site):
    if not site or not site.get("site"):
        return None
    return site.get("line")


def site_place(site):
    return (site_line(site), site.get("function") if site else None)


def check_report(report, source, expected):
    markers = marker_lines(source)
    wanted = []
    for spec in expected:
        kind, *names = spec.split(":")
        places = []
        for name in names:
            name, _, function = name.partition("@")
            if name != "-" and name not in markers:
                fail(f"no line is marked 'site: {name}' in {source}")
            places.append((None, None) if name == "-" else (markers[name], function or None))
        wanted.append((kind, tuple(places)))
    got = [(entry["kind"], tuple(site_place(s) for s in entry["sites"]))
           for entry in report["entries"] if entry["kind"] not in NOISE]

    def matches(w, g):
        return w[0] == g[0] and len(w[1]) == len(g[1]) and all(
            wl == gl and (wf is None or wf == gf) for (wl, wf), (gl, gf) in zip(w[1], g[1]))

    unmatched = list(got)
    # The expectations that name most functions first: a looser one must not
    # take the entry a stricter one needs.
    for w in sorted(wanted, key=lambda w: -sum(f is not None for _, f in w[1])):
        found = next((g for g in unmatched if matches(w, g)), None)
        if found is None:
            fail(f"the report names {sorted(got, key=str)}, expected exactly {sorted(wanted, key=str)}")
        unmatched.remove(found)
    if unmatched:
        fail(f"the report names {sorted(got, key=str)}, expected exactly {sorted(wanted, key=str)}")


def check_sorted(report):
    costs = [e["lost_seconds"] + e["paused_seconds"] for e in report["entries"]]
    if costs != sorted(costs, reverse=True):
        fail(f"entries are not sorted by time lost and paused: {costs}")
    ranks = [e["rank"] for e in report["entries"]]
    if ranks != list(range(1, len(ranks) + 1)):
        fail(f"ranks are not 1, 2, ...: {ranks}")


def check_stats(report, output):
    with open(output) as f:
        m = re.search(r"commits (\d+) aborts (\d+)", f.read())
    if not m:
        fail(f"{output} has no 'commits N aborts M' line")
    commits, aborts = int(m.group(1)), int(m.group(2))
    s = report["summary"]
    logged = (s["commits"], s["aborts"] + s["cancelled"])
    if logged != (commits, aborts):
        fail(f"the log has {logged[0]} commits and {logged[1]} aborts; "
             f"stm::stats() counted {commits} and {aborts}")
    if s["truncated"] is not None:
        fail(f"the log is cut short: {s['truncated']}")


def check_svg(path, segments):
    root = ET.parse(path).getroot()
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        fail(f"{path}: the root element is {root.tag}, not svg")
    lanes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "lane"]
    if len(lanes) != segments:
        fail(f"{path} has {len(lanes)} lanes, expected one per segment ({segments})")
    if sorted(int(g.get("data-segment")) for g in lanes) != list(range(1, segments + 1)):
        fail(f"{path}: the lanes are not segments 1 to {segments}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schema")
    parser.add_argument("--json")
    parser.add_argument("--source")
    parser.add_argument("--expect", action="append", default=[])
    parser.add_argument("--stats")
    parser.add_argument("--svg")
    parser.add_argument("--segments", type=int)
    parser.add_argument("--kill-after", type=float)
    parser.add_argument("--log")
    parser.add_argument("--cut", nargs=2)
    parser.add_argument("command", nargs="*")
    options = parser.parse_args()

    if options.kill_after is not None:
        env = dict(os.environ, STMIFY_LOG=options.log)
        program = subprocess.Popen(options.command, env=env, stdout=subprocess.DEVNULL)
        time.sleep(options.kill_after)
        if program.poll() is not None:
            fail(f"{options.command} ended before it was killed")
        program.send_signal(signal.SIGKILL)
        program.wait()
        return
    if options.cut:
        with open(options.cut[0], "rb") as f:
            data = f.read()
        with open(options.cut[1], "wb") as f:
            f.write(data[:-10])
        return

    with open(options.json) as f:
        report = json.load(f)
    with open(options.schema) as f:
        jsonschema.validate(report, json.load(f))
    check_sorted(report)
    if options.expect:
        check_report(report, options.source, options.expect)
    if options.stats:
        check_stats(report, options.stats)
    if options.svg:
        check_svg(options.svg, options.segments)


if __name__ == "__main__":
    main()
