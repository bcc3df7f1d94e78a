// Chains of accesses: each link is read, the last one written or read.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
};

long chain(Node *p) { return p->next->next->value; }
// CHECK: long chain(Node *p) { return stm::rd(stm::rd(stm::rd(p)->next)->next)->value; }

void chain_write(Node *p) { p->next->next->value = 1; }
// CHECK: void chain_write(Node *p) { stm::wr(stm::rd(stm::rd(p)->next)->next, "{{[^"]*}}")->value = 1; }

void relink(Node *p) { p->next->next = p->next; }
// CHECK: void relink(Node *p) { stm::wr(stm::rd(p)->next, "{{[^"]*}}")->next = stm::rd(p)->next; }
