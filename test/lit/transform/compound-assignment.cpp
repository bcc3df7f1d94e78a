// Compound assignment, increments and decrements write.
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include | FileCheck %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
  double ratio = 1;
};

void compound(Node *p) { p->value += 2; p->value <<= 1; p->ratio *= 0.5; }
// CHECK: void compound(Node *p) { stm::wr(p, "{{[^"]*}}")->value += 2; stm::wr(p, "{{[^"]*}}")->value <<= 1; stm::wr(p, "{{[^"]*}}")->ratio *= 0.5; }

long increments(Node *p) { p->value++; --p->value; return p->value--; }
// CHECK: long increments(Node *p) { stm::wr(p, "{{[^"]*}}")->value++; --stm::wr(p, "{{[^"]*}}")->value; return stm::wr(p, "{{[^"]*}}")->value--; }

void swap_values(Node *a, Node *b) { long t = a->value; a->value = b->value; b->value = t; }
// CHECK: void swap_values(Node *a, Node *b) { long t = stm::rd(a)->value; stm::wr(a, "{{[^"]*}}")->value = stm::rd(b)->value; stm::wr(b, "{{[^"]*}}")->value = t; }
