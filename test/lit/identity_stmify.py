#!/usr/bin/env python3
"""Stands in for `stmify --stdout` when the goldens are run against their
unrewritten input (lit --param stmify_rewrite=identity): prints the main
files unchanged.

  identity_stmify.py --stdout <file>... [-- <compiler flags>]
"""
import sys


def main(argv):
    if "--" in argv:
        argv = argv[:argv.index("--")]
    if "--stdout" not in argv:
        print("identity_stmify.py: only --stdout is supported", file=sys.stderr)
        return 2
    for path in argv:
        if not path.startswith("-"):
            with open(path) as f:
                sys.stdout.write(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
