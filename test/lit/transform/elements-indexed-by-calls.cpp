// Outside atomic blocks, an element of an array field whose index may reach
// a safe point gets its barrier after the index, on the element's address:
// C++ evaluates the object first, and the thread may continue in another
// segment from the index's safe points. An index that cannot move the thread,
// an atomic block's body, and a pointer's elements keep the object's barrier.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Inner {
  long cells[2][4] = {};
};

struct Node : stm::object {
  long data[4] = {};
  Inner inner;
  long *outside = nullptr;
  long salt = 1;
  void bump(long i);
};

long slow(long i) {
  for (int k = 0; k < 3; ++k)
    i = i * 7 + k;
  return i & 3;
}
long quick(long i) { return i & 3; }

void write(Node *n, long i) { n->data[slow(i)] = i; }
// CHECK: void write(Node *n, long i) { stm::detail::safe_point(); (*stm::detail::write_element(&n->data[slow(i)], "{{[^"]*}}")) = i; }

long read(Node *n, long i) { return n->data[slow(i)]; }
// CHECK: long read(Node *n, long i) { stm::detail::safe_point(); return (*stm::detail::read_element(&n->data[slow(i)])); }

void update(Node *n, long i) { n->data[slow(i)] += n->data[quick(i)]; }
// CHECK: void update(Node *n, long i) { stm::detail::safe_point(); (*stm::detail::write_element(&n->data[slow(i)], "{{[^"]*}}")) += stm::rd(n)->data[quick(i)]; }

void nested(Node *n, long i) { n->inner.cells[quick(i) & 1][slow(i)] = 1; }
// CHECK: void nested(Node *n, long i) { stm::detail::safe_point(); (*stm::detail::write_element(&n->inner.cells[quick(i) & 1][slow(i)], "{{[^"]*}}")) = 1; }

void Node::bump(long i) { data[slow(i)] += 1; }
// CHECK: void Node::bump(long i) { stm::detail::safe_point(); (*stm::detail::write_element(&data[slow(i)], "{{[^"]*}}")) += 1; }

long pointer(Node *n, long i) { return n->outside[slow(i)]; }
// CHECK: long pointer(Node *n, long i) { stm::detail::safe_point(); return stm::rd(n)->outside[slow(i)]; }

void in_block(Node *n, long i) {
  stm::atomic([&] { n->data[slow(i)] = 3; });
}
// CHECK: stm::atomic([&] { stm::wr(n, "{{[^"]*}}")->data[slow(i)] = 3; }, "{{[^"]*}}");
