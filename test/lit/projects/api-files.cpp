// Only files that use stmify's API are instrumented. A translation unit whose
// main file does not use it compiles exactly as without the plugin, and the
// tool leaves it unchanged; a header that does not use the API is never
// rewritten, even in a translation unit that does, so every translation unit
// compiles the same text of it. Calls from instrumented code into such a
// header are hooked like library calls, unless the callee writes only its
// own locals.
// RUN: rm -rf %t && split-file %s %t && cd %t
//
// A file that never includes stm.hpp: the same code with and without the plugin.
// RUN: %clangxx -std=c++17 -I%stmify_include -S -emit-llvm plain.cpp -o plain.ll
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -S -emit-llvm plain.cpp -o plain-plugin.ll
// RUN: diff plain.ll plain-plugin.ll
// RUN: %stmify --stdout plain.cpp -- -std=c++17 -I%stmify_include > plain-tool.cpp
// RUN: diff plain.cpp plain-tool.cpp
// RUN: %stmify --check plain.cpp -- -std=c++17 -I%stmify_include 2>&1 | count 0
//
// An API translation unit: its own files are instrumented, helper.h is not.
// RUN: %stmify --out-dir out --root %t app.cpp -- -std=c++17 -I%stmify_include
// RUN: diff helper.h out/helper.h
// RUN: FileCheck --check-prefix=APP %s < out/app.cpp
// RUN: FileCheck --check-prefix=GUARDED %s < out/guarded-use.h
// RUN: FileCheck --check-prefix=LATE %s < out/late.h
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -c app.cpp -o app.o
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -fsyntax-only out/app.cpp

// The directives stay out of the split files, so that none is checked
// against itself. helper() writes only its locals: no hook.
// APP: /* instrumented by stmify */ #include "api.h"
// APP: stm::wr(n, "app.cpp:6:3 (in run)")->value = helper(3);
// APP-NEXT: (stm::detail::inevitable_hook("call to 'log_line' at app.cpp:7:3 (in run)"), log_line("done"));
// GUARDED: inline int count_to(int n) { stm::detail::safe_point();
// GUARDED: for (int i = 0; stm::detail::safe_point(), i < n; ++i)
// LATE: inline Late *second(Late *l) { return stm::rd(l)->next; }

//--- plain.cpp
#include <cstdio>
int sum(int n) {
  int s = 0;
  for (int i = 0; i < n; ++i)
    s += i;
  std::printf("%d\n", s);
  return s;
}

//--- helper.h
#pragma once
#include <cstdio>
inline int helper(int n) {
  int s = 0;
  for (int i = 0; i < n; ++i)
    s += i;
  return s;
}
inline void log_line(const char *s) { std::puts(s); }

//--- api.h
#pragma once
#include <stmify/stm.hpp>
struct Node : stm::object {
  long value = 0;
};

//--- guarded-use.h
#pragma once
// Includes the API through api.h, which app.cpp included first: the
// inclusion is skipped, and still counts, although nothing here names the API.
#include "api.h"
inline int count_to(int n) {
  int s = 0;
  for (int i = 0; i < n; ++i)
    s += i;
  return s;
}

//--- late.h
// Not self-contained: relies on stm.hpp being included before it.
struct Late : stm::object {
  Late *next = nullptr;
};
inline Late *second(Late *l) { return l->next; }

//--- app.cpp
#include "api.h"
#include "guarded-use.h"
#include "helper.h"
#include "late.h"
long run(Node *n) {
  n->value = helper(3);
  log_line("done");
  return n->value;
}
