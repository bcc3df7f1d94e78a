// RUN: not %gxx -std=c++17 -fsyntax-only -I%stmify_include %s 2>&1 | FileCheck %s
// RUN: not %clangxx -std=c++17 -fsyntax-only -I%stmify_include %s 2>&1 | FileCheck %s
#include <stmify/stm.hpp>

struct Plain {
  int x = 0;
};

Plain *p = stm::make<Plain>();
// CHECK: stm::make<T>: T must derive from stm::object
