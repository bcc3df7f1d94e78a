// Managed objects come from stm::make; `new` on a managed class is an error in
// both builds, worded for the user.
// RUN: not %gxx -std=c++17 -fsyntax-only -I%stmify_include %s 2>&1 | FileCheck %s
// RUN: not %clangxx -std=c++17 -fsyntax-only -I%stmify_include %s 2>&1 | FileCheck %s
#include <stmify/stm.hpp>

struct Account : stm::object {
  long balance = 0;
};

Account *open() { return new Account; }
// CHECK: managed objects are allocated with stm::make<T>(...), not with new
