// Barriers wrap the base expression: side effects happen once, in order.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
};

Node *advance(Node *&cursor);

void once(Node *cursor) { advance(cursor)->value++; advance(cursor)->next->value = advance(cursor)->value; }
// CHECK: void once(Node *cursor) { stm::detail::safe_point(); stm::wr(advance(cursor), "{{[^"]*}}")->value++; stm::wr(stm::rd(advance(cursor))->next, "{{[^"]*}}")->value = stm::rd(advance(cursor))->value; }

long indexed(Node **nodes, int i) { long first = nodes[i++]->value; return first + nodes[i]->value; }
// CHECK: long indexed(Node **nodes, int i) { long first = stm::rd(nodes[i++])->value; return first + stm::rd(nodes[i])->value; }
