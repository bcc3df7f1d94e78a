// Site ids: every write barrier and every atomic block names its source
// position; an explicit site is kept.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Cell : stm::object {
  long v = 0;
};

void sites(Cell *c) {
  c->v = 1;
  stm::atomic([&] { c->v = 2; });
  stm::atomic([&] { c->v = 3; }, "named block");
}
// CHECK: stm::wr(c, "{{[^"]*}}/site-ids.cpp:[[@LINE-4]]:3 (in sites)")->v = 1;
// CHECK-NEXT: stm::atomic([&] { stm::wr(c, "{{[^"]*}}/site-ids.cpp:[[@LINE-4]]:21 (in sites)")->v = 2; }, "{{[^"]*}}/site-ids.cpp:[[@LINE-4]]:3 (in sites)");
// CHECK-NEXT: stm::atomic([&] { stm::wr(c, "{{[^"]*}}/site-ids.cpp:[[@LINE-4]]:21 (in sites)")->v = 3; }, "named block");
