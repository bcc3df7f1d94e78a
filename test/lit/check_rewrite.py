#!/usr/bin/env python3
"""Checks the stmify tool's rewrite of a golden test file against the file's
own FileCheck directives, so that no directive can match itself.

  check_rewrite.py --tool=<stmify> --filecheck=<FileCheck> [--check-prefix=P]...
                   <source> <scratch-dir> -- <compiler flags>
  check_rewrite.py --blank-only <source> <scratch-dir>

The lit directives of <source> (RUN lines and every "// PREFIX:" or
"// PREFIX-NEXT:" comment) are blanked into <scratch-dir>, under the
source's own file name, each line kept so that line numbers in site ids stay
those of the source. The tool rewrites that copy (--stdout) and its output is
checked against <source>, each directive matching a whole line. With
--tool=identity the copy is printed unchanged: what the check sees if the
tool rewrote nothing, which must fail. --blank-only only writes the copy, for
tests that run the tool or the plugin on it themselves.
"""
import argparse
import os
import re
import subprocess
import sys


# A comment that starts with an upper-case word and a colon ("// CHECK:",
# "// INPLACE-NEXT:", "// RUN:"), also after code on the line. Prose
# comments of that shape are blanked too, which changes nothing that is checked.
DIRECTIVE = re.compile(r"//\s*[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*:.*$")


def blank_directives(text):
    return "\n".join(DIRECTIVE.sub("", line).rstrip() for line in text.split("\n"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool")
    parser.add_argument("--filecheck")
    parser.add_argument("--blank-only", action="store_true")
    parser.add_argument("--check-prefix", action="append", default=[])
    parser.add_argument("source")
    parser.add_argument("scratch")
    parser.add_argument("flags", nargs="*")
    args = parser.parse_args()

    with open(args.source) as f:
        original = f.read()
    blanked = blank_directives(original)
    os.makedirs(args.scratch, exist_ok=True)
    copy = os.path.join(args.scratch, os.path.basename(args.source))
    with open(copy, "w") as f:
        f.write(blanked)
    if args.blank_only:
        return 0

    if args.tool == "identity":
        rewritten = blanked
    else:
        done = subprocess.run([args.tool, "--stdout", copy, "--"] + args.flags,
                              capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            print(f"check_rewrite.py: {args.tool} failed with exit status {done.returncode}",
                  file=sys.stderr)
            return 1
        rewritten = done.stdout

    # A directive is a whole line: nothing may be inserted around it unseen.
    check = [args.filecheck, args.source, "--match-full-lines"]
    check += ["--check-prefix=" + p for p in args.check_prefix]
    return subprocess.run(check, input=rewritten, text=True).returncode


if __name__ == "__main__":
    sys.exit(main())
