// Errors in the program are reported once, as the compiler's own, and no
// object file is written; a precompiled header is refused clearly; the
// plugin refuses to load into another clang major version.
// RUN: rm -rf %t && mkdir -p %t
// RUN: not %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -DBROKEN -c %s -o %t/x.o 2>&1 | FileCheck --check-prefix=BROKEN %s
// RUN: test ! -e %t/x.o
// RUN: not %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -DOVERALIGNED -c %s -o %t/w.o 2>&1 | FileCheck --check-prefix=NESTED %s
// Warnings come from the nested compile, with the original flags.
// RUN: not %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -DUNUSED -Werror -Wunused-variable -c %s -o %t/u.o 2>&1 | FileCheck --check-prefix=WERROR %s
// RUN: %clangxx -std=c++17 -I%stmify_include -x c++-header %S/Inputs/prefix.h -o %t/prefix.h.pch
// RUN: not %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -include-pch %t/prefix.h.pch -c %s -o %t/y.o 2>&1 | FileCheck --check-prefix=PCH %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

#ifdef BROKEN
long broken(Node *n) { return n->missing; }
#endif

#ifdef UNUSED
long unused(Node *n) {
  long spare = 0;
  return n->value;
}
#endif

#ifdef OVERALIGNED
// The instrumented API's own checks are errors of the program.
struct alignas(32768) Wide : stm::object {
  long lanes[8];
};
Wide *make_wide() { return stm::make<Wide>(); }
#endif

// BROKEN: failures.cpp:{{[0-9]+}}:34: error: no member named 'missing' in 'Node'
// BROKEN-NOT: error:
// BROKEN: 1 error generated.
// PCH: error: stmify cannot instrument a translation unit that uses or builds a precompiled header [stmify:precompiled-header]
// PCH-NEXT: note: fix: compile without -include-pch
// NESTED: error: static assertion failed {{.*}}stmify: managed objects are aligned to at most 16 KiB
// NESTED-NOT: rewritten-code-failed
// WERROR: error: unused variable 'spare' [-Werror,-Wunused-variable]
// WERROR: error: compiling the instrumented translation unit failed; the errors above point into the instrumented text [stmify:rewritten-code-failed]
