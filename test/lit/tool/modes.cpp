// The tool's modes: --check reports and writes nothing (exit status 1 when
// there are diagnostics), --in-place overwrites the source when asked to.
// The copy has this file's directives blanked, so that INPLACE cannot match
// its own line.
// RUN: rm -rf %t && %blank_directives %s %t && cp %t/modes.cpp %t/original.cpp
// RUN: %stmify --check %t/modes.cpp -- -std=c++17 -I%stmify_include
// RUN: diff %t/original.cpp %t/modes.cpp
// RUN: not %stmify --check %t/modes.cpp -- -std=c++17 -I%stmify_include -DBROKEN 2>&1 | FileCheck --check-prefix=CHECKMODE %s
// --check compiles the instrumented text as the plugin would: an error there
// (here a warning the flags make one) is reported; warnings are not.
// RUN: not %stmify --check %t/modes.cpp -- -std=c++17 -I%stmify_include -DUNUSED -Wunused-variable -Werror 2>&1 | FileCheck --check-prefix=COMPILE %s
// RUN: %stmify --check %t/modes.cpp -- -std=c++17 -I%stmify_include -DUNUSED -Wunused-variable 2>&1 | count 0
// RUN: %stmify --in-place %t/modes.cpp -- -std=c++17 -I%stmify_include
// RUN: FileCheck --match-full-lines --check-prefix=INPLACE %s < %t/modes.cpp
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

long read(Node *n) { return n->value; }

#ifdef UNUSED
long unused(Node *n) {
  long spare = 0;
  return n->value;
}
#endif

#ifdef BROKEN
#define VALUE(p) ((p)->value)
long macro(Node *n) { return VALUE(n); }
#endif

// CHECKMODE: error: stmify cannot instrument this access to managed object of type Node: it is written inside the body of a macro [stmify:access-in-macro]
// INPLACE: long read(Node *n) { return stm::rd(n)->value; }
// COMPILE: modes.cpp:{{[0-9]+}}:8: error: unused variable 'spare' [-Werror,-Wunused-variable]
// COMPILE: error: compiling the instrumented translation unit failed; the errors above point into the instrumented text [stmify:rewritten-code-failed]
