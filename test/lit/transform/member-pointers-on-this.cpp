// Pointers to members applied to `this` in a method of a managed class: the
// barrier translates `this` (a write barrier when the member is written).
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Counter : stm::object {
  long hits = 0, misses = 0;
  void hit() { ++hits; }
  void miss() { ++misses; }
  long record(bool ok) {
    void (Counter::*count)() = ok ? &Counter::hit : &Counter::miss;
    (this->*count)();
    long Counter::*field = ok ? &Counter::hits : &Counter::misses;
    this->*field += 1;
    return this->*field;
  }
};
// CHECK: (stm::rd(this)->*count)();
// CHECK-NEXT: long Counter::*field = ok ? &Counter::hits : &Counter::misses;
// CHECK-NEXT: stm::wr(this, "{{[^"]*}}")->*field += 1;
// CHECK-NEXT: return stm::rd(this)->*field;
