// Site ids: every write barrier and every atomic block names its source
// position; an explicit site is kept.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include | FileCheck %s
#include <stmify/stm.hpp>

struct Cell : stm::object {
  long v = 0;
};

void sites(Cell *c) {
  c->v = 1;
  stm::atomic([&] { c->v = 2; });
  stm::atomic([&] { c->v = 3; }, "named block");
}
// CHECK: stm::wr(c, "{{.*}}site-ids.cpp:11:3")->v = 1;
// CHECK-NEXT: stm::atomic([&] { stm::wr(c, "{{.*}}site-ids.cpp:12:21")->v = 2; }, "{{.*}}site-ids.cpp:12:3");
// CHECK-NEXT: stm::atomic([&] { stm::wr(c, "{{.*}}site-ids.cpp:13:21")->v = 3; }, "named block");
