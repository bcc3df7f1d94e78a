// Managed references are compared in canonical form; `this` is made canonical.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Node : stm::object {
  Node *next = nullptr;
  bool is(const Node *other) const { return other == this; }
  // CHECK: bool is(const Node *other) const { return other == stm::canon(this); }
  bool before(const Node *other) const { return this < other; }
  // CHECK: bool before(const Node *other) const { return stm::canon(this) < other; }
  void link(Node *to) { to->next = this; }
  // CHECK: void link(Node *to) { stm::wr(to, "{{[^"]*}}")->next = stm::canon(this); }
  Node *self() { return this; }
  // CHECK: Node *self() { return stm::canon(this); }
};

bool same(Node *a, Node *b) { return a == b && a->next != b; }
// CHECK: bool same(Node *a, Node *b) { return a == b && stm::rd(a)->next != b; }
