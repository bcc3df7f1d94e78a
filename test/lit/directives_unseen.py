#!/usr/bin/env python3
"""No lit test may check a rewrite against a file that still holds its own
directives: there a directive can match its own comment line, and the test
passes whatever the tool wrote. Reads every test of the suite and reports

  - a split-file section that holds a directive (directives belong before
    the first "//--- name" line, where no split file gets them);
  - a RUN line that gives the test file itself (%s, or a `cp %s` copy) to
    the tool or to the plugin's save-rewritten, when FileCheck reads what
    that wrote (piped on the same line, or a later `FileCheck ... < path`
    under the output). Such tests give the tool the blanked copy that
    `%blank_directives %s DIR` writes, or use `%check_rewrite`.

  directives_unseen.py <test/lit source directory>
"""
import os
import re
import sys

DIRECTIVE = re.compile(r"//\s*[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*:")
RUN = re.compile(r"(?://|#)\s*RUN:\s?(.*)$")
TESTS = (".cpp", ".c", ".test")


def run_lines(lines):
    out, pending = [], ""
    for number, line in enumerate(lines, 1):
        m = RUN.search(line)
        if not m:
            continue
        text = pending + m.group(1)
        if text.endswith("\\"):
            pending = text[:-1]
            continue
        pending = ""
        out.append((number, text))
    return out


def rewrite_outputs(command, inputs):
    """What a rewriting command writes from one of inputs, or None: files
    (its stdout) and directories (holding the rewrite under the input's
    name) as (path, name or None)."""
    words = command.split()
    rewrites = ("%stmify" in words and "--check" not in words) or any(
        "save-rewritten" in w for w in words)
    given = [inputs[w] for w in words if w in inputs]
    if not rewrites or not given:
        return None
    outputs = []
    for i, w in enumerate(words):
        if w == ">" and i + 1 < len(words):
            outputs.append((words[i + 1], None))
        elif w.startswith(">") and len(w) > 1 and not w.startswith(">&"):
            outputs.append((w[1:], None))
        elif w == "--out-dir" and i + 1 < len(words):
            outputs += [(words[i + 1], name) for name in given]
        elif "save-rewritten=" in w:
            outputs += [(w.split("save-rewritten=", 1)[1], name) for name in given]
    return outputs


def check_file(path):
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    problems = []
    section = None
    for number, line in enumerate(lines, 1):
        if line.startswith("//--- "):
            section = line[6:].strip()
        elif section and DIRECTIVE.search(line) and not RUN.search(line):
            problems.append(f"{path}:{number}: a directive inside split file '{section}'")

    inputs = {"%s": os.path.basename(path)}  # path in RUN lines: file name
    written = []  # (line, (output, name)) rewritten from the test file itself
    for number, command in run_lines(lines):
        for part in re.split(r"&&|;", command):
            m = re.match(r"\s*cp\s+%s\s+(\S+)\s*$", part)
            if m:
                inputs[m.group(1)] = os.path.basename(m.group(1))
        for stage_list in [command.split("&&")]:
            for stage in stage_list:
                pipeline = stage.split("|")
                outputs = rewrite_outputs(pipeline[0], inputs)
                if outputs is None:
                    continue
                if any("FileCheck" in p for p in pipeline[1:]):
                    problems.append(f"{path}:{number}: FileCheck reads a rewrite of the test "
                                    "file itself, directives included")
                written += [(number, o) for o in outputs]
        m = re.search(r"FileCheck\b[^<|]*<\s*(\S+)", command)
        if m:
            read = m.group(1)
            for where, (out, name) in written:
                if read == out if name is None else (
                        read.startswith(out.rstrip("/") + "/") and read.endswith("/" + name)):
                    problems.append(f"{path}:{number}: FileCheck reads {m.group(1)}, which line "
                                    f"{where} rewrote from the test file itself, directives "
                                    "included")
    return problems


def main(directory):
    problems, checked = [], 0
    for root, _, files in os.walk(directory):
        if os.path.basename(root) in ("Inputs", "Output"):
            continue
        for name in sorted(files):
            if name.endswith(TESTS):
                checked += 1
                problems += check_file(os.path.join(root, name))
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} checks in {checked} files can match their own directives")
        return 1
    print(f"no check in {checked} files reads its own directives")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
