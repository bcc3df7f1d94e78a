// Templates writing parts of managed objects: a nested field or an element of
// an array member is a write of the object that holds it (the generic barrier
// on the part itself stays: in other instantiations it may be a reference
// member to a managed object).
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Vec2 {
  long x = 0, y = 0;
};

template <class T> struct Particles : stm::object {
  Vec2 center;
  Vec2 points[4];
  T weights[4] = {};
  T grid[2][2] = {};
  void weigh(int i, T by) { weights[i] += by; }
  // CHECK: void weigh(int i, T by) { stm::wr(this, "{{[^"]*}}")->weights[i] += by; }
};

template <class P> void step(P *p, int i) {
  p->center.x += 1;
  p->points[i].x = 2;
  (*p).center.y -= 1;
  p->grid[i][1] += 3;
  long locals[2] = {};
  locals[i] += 1;
}
// CHECK: stm::wr(stm::wr(p, "{{[^"]*}}")->center, "{{[^"]*}}").x += 1;
// CHECK-NEXT: stm::wr(stm::wr(p, "{{[^"]*}}")->points[i], "{{[^"]*}}").x = 2;
// CHECK-NEXT: stm::wr((*stm::wr(p, "{{[^"]*}}")).center, "{{[^"]*}}").y -= 1;
// CHECK-NEXT: stm::wr(p, "{{[^"]*}}")->grid[i][1] += 3;
// CHECK-NEXT: long locals[2] = {};
// CHECK-NEXT: locals[i] += 1;

template <class P> long read(const P *p, int i) { return p->center.x + p->points[i].y + p->grid[i][0]; }
// CHECK: template <class P> long read(const P *p, int i) { stm::detail::safe_point(); return stm::rd(stm::rd(p)->center).x + stm::rd(stm::rd(p)->points[i]).y + stm::rd(p)->grid[i][0]; }

void use(Particles<long> *p) {
  step(p, 1);
  p->weigh(0, read(p, 1));
}
