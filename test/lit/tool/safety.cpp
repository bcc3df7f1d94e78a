// The tool is safe to run in CI: it never writes into the sources unless
// told to (--in-place), a missing compile database is an error, the exit
// status tells findings (1) from failures of the tool (2), each diagnostic
// is printed once, progress counts compile commands, and I/O errors are
// reported clearly.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: sed -e "s|@DIR@|%t|g" -e "s|@INCLUDE@|%stmify_include|g" -e "s|@CXX@|%clangxx|g" build/compile_commands.json.in > build/compile_commands.json
// RUN: cp -r src pristine
//
// An output directory that is the source root, or contains it, is refused.
// RUN: not %stmify -p build --root src --out-dir src src/a.cpp 2>&1 | FileCheck --check-prefix=OVERWRITE %s
// RUN: not %stmify -p build --root src --out-dir . src/a.cpp 2>&1 | FileCheck --check-prefix=OVERWRITE %s
// RUN: diff -r pristine src
// OVERWRITE: stmify: error: --out-dir {{.*}} is the source root or contains it, so the output would overwrite the sources; choose another directory (or --in-place to instrument the sources themselves)
//
// No compile database where -p says: an error, not a run without flags.
// RUN: mkdir empty
// RUN: not %stmify -p empty --check src/a.cpp 2>&1 | FileCheck --check-prefix=NODB %s
// RUN: not %stmify -p bulid --check src/a.cpp 2>&1 | FileCheck --check-prefix=TYPO %s
// NODB: stmify: error: cannot load a compile database from -p empty:
// TYPO: stmify: error: cannot load a compile database from -p bulid: no such file or directory
//
// Exit status: 0 clean, 1 findings, 2 failures of the tool.
// RUN: %stmify -p build --check src/a.cpp
// RUN: sh -c '%stmify -p build --check src/a.cpp src/b.cpp 2>findings.txt; echo "exit $?"' | FileCheck --check-prefix=EXIT1 %s
// RUN: sh -c '%stmify --check src/broken.cpp -- -std=c++17 -I%stmify_include 2>/dev/null; echo "exit $?"' | FileCheck --check-prefix=EXIT2 %s
// RUN: sh -c '%stmify --check src/missing.cpp -- -std=c++17 2>/dev/null; echo "exit $?"' | FileCheck --check-prefix=EXIT2 %s
// RUN: sh -c '%stmify --check src/a.cpp src/broken.cpp -- -std=c++17 -I%stmify_include 2>/dev/null; echo "exit $?"' | FileCheck --check-prefix=EXIT2 %s
// EXIT1: exit 1
// EXIT2: exit 2
//
// A header's diagnostic is printed once, however many files include it;
// progress counts compile commands (b.cpp has two).
// RUN: FileCheck --check-prefix=ONCE %s < findings.txt
// ONCE: [1/3] {{.*}}a.cpp
// ONCE: [2/3] {{.*}}b.cpp
// ONCE: shared.h:7:{{[0-9]+}}: error: stmify cannot instrument this access
// ONCE: [3/3] {{.*}}b.cpp
// ONCE-NOT: error: stmify cannot instrument this access
// ONCE: stmify: 3 of 3 compile commands analysed; 2 with stmify diagnostics, 0 failed
//
// I/O errors: a full disk, a directory the tool may not write into.
// RUN: not %stmify --stdout src/a.cpp -- -std=c++17 -I%stmify_include > /dev/full 2> full.txt
// RUN: FileCheck --check-prefix=FULL %s < full.txt
// FULL: stmify: error: cannot write to standard output: No space left on device
// FULL-NOT: LLVM ERROR
// RUN: mkdir -p readonly && chmod -R a+rX . && chmod 555 readonly
// RUN: not %as_unprivileged %stmify --root src --out-dir readonly/out src/a.cpp -- -std=c++17 -I%stmify_include 2>&1 | FileCheck --check-prefix=READONLY %s
// READONLY: stmify: error: cannot create the directory readonly/out: Permission denied

//--- build/compile_commands.json.in
[
  {"directory": "@DIR@", "command": "@CXX@ -std=c++17 -I@INCLUDE@ -c src/a.cpp", "file": "src/a.cpp"},
  {"directory": "@DIR@", "command": "@CXX@ -std=c++17 -I@INCLUDE@ -c src/b.cpp", "file": "src/b.cpp"},
  {"directory": "@DIR@", "command": "@CXX@ -std=c++17 -I@INCLUDE@ -DSECOND -c src/b.cpp -o b2.o", "file": "src/b.cpp"}
]

//--- src/shared.h
#pragma once
#include <stmify/stm.hpp>
struct Node : stm::object {
  long value = 0;
};
#define VALUE(p) ((p)->value)
inline long value(Node *n) { return VALUE(n); }

//--- src/a.cpp
#include <stmify/stm.hpp>
struct Cell : stm::object {
  long value = 0;
};
long get(Cell *c) { return c->value; }

//--- src/b.cpp
#include "shared.h"
long twice(Node *n) { return 2 * value(n); }

//--- src/broken.cpp
#include <stmify/stm.hpp>
int broken() { return missing; }
