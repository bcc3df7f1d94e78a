// A translation unit whose command line defines __STMIFY__ is written against
// the transactional build of the API already (the runtime, code instrumented
// by hand, stmify's output compiled as the user guide says): the plugin and
// the tool leave it as it is. Without the definition (or after a later -U),
// the same file is instrumented, and here refused.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: %clangxx -std=c++17 -D__STMIFY__=1 -I%stmify_include -S -emit-llvm hand.cpp -o hand.ll
// RUN: %clangxx -fplugin=%plugin -std=c++17 -D__STMIFY__=1 -I%stmify_include -S -emit-llvm hand.cpp -o hand-plugin.ll
// RUN: diff hand.ll hand-plugin.ll
// RUN: %stmify --stdout hand.cpp -- -std=c++17 -D__STMIFY__=1 -I%stmify_include > hand-tool.cpp
// RUN: diff hand.cpp hand-tool.cpp
// RUN: %stmify --check hand.cpp -- -std=c++17 -D__STMIFY__ -I%stmify_include 2>&1 | count 0
// RUN: %stmify --out-dir out --root %t hand.cpp -- -std=c++17 -D__STMIFY__=1 -I%stmify_include
// RUN: diff hand.cpp out/hand.cpp
// One that does not preprocess is a tool failure that says why:
// RUN: sh -c '%stmify --check missing.cpp -- -std=c++17 -D__STMIFY__=1 2>&1; echo "exit $?"' | FileCheck --check-prefix=MISSING %s
// MISSING: missing.cpp:1:10: fatal error: 'no-such-header.h' file not found
// MISSING: exit 2
//
// RUN: not %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only hand.cpp 2>&1 | FileCheck --check-prefix=REWRITTEN %s
// RUN: not %clangxx -fplugin=%plugin -std=c++17 -D__STMIFY__=1 -U__STMIFY__ -I%stmify_include -fsyntax-only hand.cpp 2>&1 | FileCheck --check-prefix=REWRITTEN %s
// RUN: not %stmify --check hand.cpp -- -std=c++17 -I%stmify_include 2>&1 | FileCheck --check-prefix=REWRITTEN %s
// REWRITTEN: hand.cpp:10:13: error: a reference to a field of managed object of type Cell escapes{{.*}}[stmify:field-address-escapes]

//--- hand.cpp
#include <stmify/stm.hpp>

struct Cell : stm::object {
  long value = 0;
  using __stmify_traced_type = Cell;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

long bump(Cell *c) {
  long &v = stm::wr(c)->value;
  ++v;
  return stm::rd(c)->value;
}

//--- missing.cpp
#include "no-such-header.h"
