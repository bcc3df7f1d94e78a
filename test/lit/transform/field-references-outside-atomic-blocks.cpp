// References to fields bound outside atomic blocks, where no safe point can
// come while they live: the barrier of their use at the binding, and a
// writing range-for over a field keeps no safe point. A queued task's body keeps
// its segment like an atomic block's.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

#include <algorithm>

struct Point {
  long x = 0, y = 0;
};

struct Node : stm::object {
  long value = 0;
  long items[4] = {};
  Point where;
};

void touch(Node &n, long by) {
  long &v = n.value;
  v += by;
  v = std::max(v * 2, by);
  auto &[x, y] = n.where;
  x = y + 1;
}
// CHECK: long &v = stm::wr(n, "{{[^"]*}}field-references-outside-atomic-blocks.cpp:22:13 (in touch)").value;
// CHECK-NEXT: v += by;
// CHECK-NEXT: v = std::max(v * 2, by);
// CHECK-NEXT: auto &[x, y] = stm::wr(n, "{{[^"]*}}:25:18 (in touch)").where;
// CHECK-NEXT: x = y + 1;

void clear(Node *n) {
  for (long &item : n->items)
    item = 0;
}
// CHECK: for (long &item : stm::wr(n, "{{[^"]*}}:35:21 (in clear)")->items)
// CHECK-NEXT: item = 0;

// A loop outside the live range keeps its safe point.
long sum(Node *n) {
  long total = 0;
  for (int i = 0; i < 2000; ++i) // too long to go without a safe point
    total += n->items[i % 4];
  const long &v = n->value;
  return total + v;
}
// CHECK: (void)stm::rd(n); for (int i = 0; stm::detail::safe_point(), i < 2000; ++i) // too long to go without a safe point
// CHECK-NEXT: total += stm::detail::read_again(n)->items[i % 4];
// CHECK-NEXT: const long &v = stm::detail::read_again(n)->value;

void queue(Node *a, Node *b) {
  stm::transaction_queue tq;
  for (Node *n : {a, b})
    tq.add([](Node *n) {
      long &v = n->value;
      touch(*n, v);
      v += 1;
    }, n);
  tq.run();
}
// CHECK: long &v = stm::wr(n, "{{[^"]*}}:57:17 (in queue)")->value;
// CHECK-NEXT: touch(*n, v);
// CHECK-NEXT: v += 1;
