// Safe points at loop back-edges and at the entry of functions that call or
// loop; none in leaf functions, constexpr functions or at atomic block entry.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Cell : stm::object {
  long v = 0;
};

long leaf(Cell *c) { return c->v; }
// CHECK: long leaf(Cell *c) { return stm::rd(c)->v; }

constexpr long square(long x) { return x * x; }
// CHECK: constexpr long square(long x) { return x * x; }

long loops(Cell *c, int n) {
  long s = 0;
  for (int i = 0; i < n; ++i) s += leaf(c);
  while (n-- > 0) { s += 1; }
  do s += 2; while (n++ < 3);
  for (;;) if (s > 10) break; else s += 3;
  return s;
}
// CHECK: long loops(Cell *c, int n) { stm::detail::safe_point();
// CHECK: for (int i = 0; i < n; ++i) { stm::detail::safe_point(); s += leaf(c); }
// CHECK: while (n-- > 0) { stm::detail::safe_point(); s += 1; }
// CHECK: do { stm::detail::safe_point(); s += 2; } while (n++ < 3);
// CHECK: for (;;) { stm::detail::safe_point(); if (s > 10) break; else s += 3; }

void quiet(Cell *c) noexcept { for (int i = 0; i < 3; ++i) c->v += i; }
// CHECK: void quiet(Cell *c) noexcept { stm::detail::nothrow_scope __stmify_nothrow; for (int i = 0; i < 3; ++i) { stm::detail::safe_point_nothrow(); stm::wr(c, "{{[^"]*}}")->v += i; } }

void block(Cell *c) { stm::atomic([&] { leaf(c); }); }
// CHECK: void block(Cell *c) { stm::detail::safe_point(); stm::atomic([&] { leaf(c); }, "{{[^"]*}}"); }
