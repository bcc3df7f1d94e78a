// Field reads and writes through pointers and references, compound
// assignment, increments and chains.
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include | FileCheck %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
};

long read(Node *p) { return p->value; }
// CHECK: long read(Node *p) { return stm::rd(p)->value; }

void write(Node *p, long v) { p->value = v; }
// CHECK: void write(Node *p, long v) { stm::wr(p, "{{.*}}field-access.cpp:14:31")->value = v; }

void compound(Node *p) { p->value += 2; p->value++; --p->value; }
// CHECK: void compound(Node *p) { stm::wr(p, "{{[^"]*}}")->value += 2; stm::wr(p, "{{[^"]*}}")->value++; --stm::wr(p, "{{[^"]*}}")->value; }

long chain(Node *p) { return p->next->next->value; }
// CHECK: long chain(Node *p) { return stm::rd(stm::rd(stm::rd(p)->next)->next)->value; }

void chain_write(Node *p) { p->next->next->value = 1; }
// CHECK: void chain_write(Node *p) { stm::wr(stm::rd(stm::rd(p)->next)->next, "{{[^"]*}}")->value = 1; }

long by_reference(Node &n) { return n.value; }
// CHECK: long by_reference(Node &n) { return stm::rd(n).value; }

void write_reference(Node &n) { n.value = 3; }
// CHECK: void write_reference(Node &n) { stm::wr(n, "{{[^"]*}}").value = 3; }

long dereference(Node *p) { return (*p).value; }
// CHECK: long dereference(Node *p) { return (*stm::rd(p)).value; }

void swap_values(Node *a, Node *b) { long t = a->value; a->value = b->value; b->value = t; }
// CHECK: void swap_values(Node *a, Node *b) { long t = stm::rd(a)->value; stm::wr(a, "{{[^"]*}}")->value = stm::rd(b)->value; stm::wr(b, "{{[^"]*}}")->value = t; }

long conditional(bool c, Node *a, Node *b) { return (c ? a : b)->value; }
// CHECK: long conditional(bool c, Node *a, Node *b) { return stm::rd((c ? a : b))->value; }

void conditional_write(bool c, Node *a, Node *b) { (c ? a->value : b->value) = 1; }
// CHECK: void conditional_write(bool c, Node *a, Node *b) { (c ? stm::wr(a, "{{[^"]*}}")->value : stm::wr(b, "{{[^"]*}}")->value) = 1; }

bool same(Node *a, Node *b) { return a == b && a->next != b; }
// CHECK: bool same(Node *a, Node *b) { return a == b && stm::rd(a)->next != b; }
