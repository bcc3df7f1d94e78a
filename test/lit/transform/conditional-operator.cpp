// The conditional operator as the object and as the accessed lvalue.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

long conditional(bool c, Node *a, Node *b) { return (c ? a : b)->value; }
// CHECK: long conditional(bool c, Node *a, Node *b) { return stm::rd((c ? a : b))->value; }

void conditional_write(bool c, Node *a, Node *b) { (c ? a->value : b->value) = 1; }
// CHECK: void conditional_write(bool c, Node *a, Node *b) { (c ? stm::wr(a, "{{[^"]*}}")->value : stm::wr(b, "{{[^"]*}}")->value) = 1; }

long pick(bool c, Node *a, Node *b) { return c ? a->value : b->value; }
// CHECK: long pick(bool c, Node *a, Node *b) { return c ? stm::rd(a)->value : stm::rd(b)->value; }
