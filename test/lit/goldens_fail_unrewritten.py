#!/usr/bin/env python3
"""A golden rewrite test must fail when the rewrite does nothing: runs the
golden tests with the tool replaced by one that prints its input unchanged
(lit --param stmify_rewrite=identity) and passes only if every one of them
fails, and fails in FileCheck (not, say, because the file stopped compiling).

  goldens_fail_unrewritten.py <lit.py> <test directory of the built lit suite>
"""
import re
import subprocess
import sys

FAILED_BLOCK = re.compile(r"\*{20} TEST '[^']*:: (\S+)' FAILED \*{20}\n(.*?)\n\*{20}\n",
                          re.DOTALL)
# FileCheck reports a directive that did not match as "error: CHECK-NEXT: ...".
FILECHECK_MISMATCH = re.compile(r"error: [A-Z][A-Z0-9_]*(-[A-Z]+)?: ")
RESULT = re.compile(r"^([A-Z]+): [^:]+ :: (\S+) \(", re.MULTILINE)


def main(lit, directory):
    done = subprocess.run([sys.executable, lit, "-v", "--param", "stmify_rewrite=identity",
                           directory], capture_output=True, text=True)
    results = {name: status for status, name in RESULT.findall(done.stdout)}
    explained = {name for name, output in FAILED_BLOCK.findall(done.stdout)
                 if FILECHECK_MISMATCH.search(output)}
    if not results:
        print(done.stdout + done.stderr)
        print("no golden test ran")
        return 1
    wrong = 0
    for name, status in sorted(results.items()):
        if status == "FAIL" and name in explained:
            print(f"fails unrewritten, as it must: {name}")
            continue
        wrong += 1
        reason = "passes" if status == "PASS" else f"{status}, but not in FileCheck"
        print(f"{reason} against its unrewritten input: {name}")
    if wrong:
        print(f"{wrong} of {len(results)} golden tests cannot catch a missing rewrite")
        return 1
    print(f"all {len(results)} golden tests fail against their unrewritten input")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
