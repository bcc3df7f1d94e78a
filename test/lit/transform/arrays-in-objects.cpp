// Arrays inside managed objects: elements are accesses to the object.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Grid : stm::object {
  long cells[8] = {};
  long rows[2][2] = {};
};

long cell(Grid *g, int i) { return g->cells[i] + g->rows[1][i]; }
// CHECK: long cell(Grid *g, int i) { return stm::rd(g)->cells[i] + stm::rd(g)->rows[1][i]; }

void set_cell(Grid *g, int i) { g->cells[i] = 1; g->cells[i + 1]++; g->rows[0][1] = 2; }
// CHECK: void set_cell(Grid *g, int i) { stm::wr(g, "{{[^"]*}}")->cells[i] = 1; stm::detail::write_again(g)->cells[i + 1]++; stm::detail::write_again(g)->rows[0][1] = 2; }

long arithmetic(Grid *g) { *(g->cells + 2) = 5; return *(g->cells + 3); }
// CHECK: long arithmetic(Grid *g) { *(stm::wr(g, "{{[^"]*}}")->cells + 2) = 5; return *(stm::detail::read_again(g)->cells + 3); }
