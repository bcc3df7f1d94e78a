// A managed object passed by reference to a function of the program stays
// canonical, like a pointer: the callee's own barriers translate it, and
// &a is the caller's pointer. Library code and compiler-generated members
// get the translated object.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <utility>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
};

void link(Node &from, Node &to) { from.next = &to; }
// CHECK: void link(Node &from, Node &to) { stm::wr(from, "{{[^"]*}}").next = &to; }
bool is(const Node &n, const Node *p) { return &n == p; }
// CHECK: bool is(const Node &n, const Node *p) { return &n == p; }

bool calls(Node *a, Node *b) {
  link(*a, *b);
  return is(*a, a);
}
// CHECK: link(*a, *b);
// CHECK-NEXT: return is(*a, a);

void library(Node *a, Node *b) {
  std::swap(a->value, b->value);
  *a = *b;
}
// Both fields have their write barrier: swapping them needs no inevitability.
// CHECK: std::swap(stm::wr(a, "{{[^"]*}}")->value, stm::wr(b, "{{[^"]*}}")->value);
// CHECK-NEXT: *stm::wr(a, "{{[^"]*}}") = *stm::rd(b);
