// Barriers wrap the base expression: side effects happen once, in order.
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include | FileCheck %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
};

Node *advance(Node *&cursor);

void once(Node *cursor) { advance(cursor)->value++; advance(cursor)->next->value = advance(cursor)->value; }
// CHECK: void once(Node *cursor) { stm::detail::safe_point(); stm::wr(advance(cursor), "{{[^"]*}}")->value++; stm::wr(stm::rd(advance(cursor))->next, "{{[^"]*}}")->value = stm::rd(advance(cursor))->value; }

long indexed(Node **nodes, int i) { return nodes[i++]->value + nodes[i]->value; }
// CHECK: long indexed(Node **nodes, int i) { return stm::rd(nodes[i++])->value + stm::rd(nodes[i])->value; }
