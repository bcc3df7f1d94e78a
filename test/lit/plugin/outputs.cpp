// The plugin produces what the command line asks for, from the instrumented
// text, and keeps the original line numbers.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -c %s -o %t/x.o
// RUN: test -s %t/x.o
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -S -emit-llvm %s -o %t/x.ll
// RUN: FileCheck --check-prefix=IR %s < %t/x.ll
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -S %s -o %t/x.s
// RUN: FileCheck --check-prefix=ASM %s < %t/x.s
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -c -emit-llvm %s -o %t/x.bc
// RUN: test -s %t/x.bc
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -c -MD -MF %t/x.d %s -o %t/y.o
// RUN: FileCheck --check-prefix=DEPS %s < %t/x.d
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -c -MMD %s -o %t/m.o
// RUN: FileCheck --check-prefix=MMD %s < %t/m.d
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -g -c %s -o %t/g.o
// RUN: %llvm_bin/llvm-dwarfdump --debug-line %t/g.o | FileCheck --check-prefix=LINES %s
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only %s
// RUN: cd %t && %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -save-temps -c %s -o %t/st.o
// RUN: FileCheck --check-prefix=SAVETEMPS %s < %t/outputs.ii
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -E %s | FileCheck --check-prefix=PP %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

long read_value(Node *n) {
  return n->value;
}

// IR: define {{.*}}read_value
// IR: _stm_tls
// ASM: read_value
// DEPS: stmify/stm.hpp
// MMD: m.o: \
// MMD-NEXT: outputs.cpp
// The access on line 29 keeps its line in the debug information.
// LINES: {{^0x[0-9a-f]+ +29 }}
// PP: return n->value;
// SAVETEMPS: stmify/detail/instrumented.hpp
