// Arrays inside objects, lambdas, range-for over unmanaged containers of
// managed references.
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include | FileCheck %s
#include <stmify/stm.hpp>
#include <vector>

struct Grid : stm::object {
  long cells[8] = {};
  long count = 0;
};

long cell(Grid *g, int i) { return g->cells[i]; }
// CHECK: long cell(Grid *g, int i) { return stm::rd(g)->cells[i]; }

void set_cell(Grid *g, int i) { g->cells[i] = 1; g->cells[i + 1]++; }
// CHECK: void set_cell(Grid *g, int i) { stm::wr(g, "{{[^"]*}}")->cells[i] = 1; stm::wr(g, "{{[^"]*}}")->cells[i + 1]++; }

long total(const std::vector<Grid *> &grids) {
  long sum = 0;
  for (Grid *g : grids)
    sum += g->count;
  return sum;
}
// CHECK: for (Grid *g : grids)
// CHECK-NEXT: { stm::detail::safe_point(); sum += stm::rd(g)->count; }

void with_lambda(Grid *g) {
  auto bump = [g](long by) { g->count += by; };
  // CHECK: auto bump = [g](long by) { stm::wr(g, "{{[^"]*}}")->count += by; };
  bump(2);
}

long arithmetic(Grid *g) { *(g->cells + 2) = 5; return *(g->cells + 3); }
// CHECK: long arithmetic(Grid *g) { *(stm::wr(g, "{{[^"]*}}")->cells + 2) = 5; return *(stm::rd(g)->cells + 3); }
