// RUN: not %gxx -std=c++17 -fsyntax-only -I%stmify_include %s 2>&1 | FileCheck %s
// RUN: not %clangxx -std=c++17 -fsyntax-only -I%stmify_include %s 2>&1 | FileCheck %s
#include <stmify/stm.hpp>

struct Account : stm::object {
  long balance;
};

Account *a = stm::make<Account>(100L);
// CHECK: T has no constructor taking these arguments
