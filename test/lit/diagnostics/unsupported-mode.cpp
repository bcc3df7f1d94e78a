// A translation unit that uses stmify's API in a mode the API does not
// support gets one diagnostic before any edit, instead of errors inside
// stmify's headers; one that does not use the API compiles as it is.
// RUN: not %clangxx -fplugin=%plugin -std=c++14 -I%stmify_include -fsyntax-only %s 2>&1 | FileCheck --check-prefix=CXX14 %s
// RUN: not %clangxx -fplugin=%plugin -std=c++17 -fno-exceptions -I%stmify_include -fsyntax-only %s 2>&1 | FileCheck --check-prefix=NOEXCEPT %s
// RUN: not %stmify --check %s -- -std=c++14 -I%stmify_include 2>&1 | FileCheck --check-prefix=CXX14 %s
// RUN: %clangxx -fplugin=%plugin -std=c++14 -fno-exceptions -I%stmify_include -DNO_API -c %s -o %t.o
#ifndef NO_API
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};
#endif

int twice(int x) { return 2 * x; }

// CXX14: unsupported-mode.cpp:9:1: error: stmify's API needs C++17 or later with exceptions enabled, but this translation unit is compiled with -std=c++14 [stmify:unsupported-mode]
// CXX14-NEXT: #include <stmify/stm.hpp>
// CXX14-NEXT: ^
// CXX14-NEXT: unsupported-mode.cpp:9:1: note: fix: compile it with -std=c++17 (or later) and without -fno-exceptions, or keep <stmify/stm.hpp> out of it
// CXX14-NOT: error:
// NOEXCEPT: error: stmify's API needs C++17 or later with exceptions enabled, but this translation unit is compiled with -fno-exceptions [stmify:unsupported-mode]
// NOEXCEPT-NOT: error:
