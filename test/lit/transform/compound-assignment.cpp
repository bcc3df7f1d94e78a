// Compound assignment, increments and decrements write.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
  double ratio = 1;
};

void compound(Node *p) { p->value += 2; p->value <<= 1; p->ratio *= 0.5; }
// CHECK: void compound(Node *p) { stm::wr(p, "{{[^"]*}}")->value += 2; stm::detail::write_again(p)->value <<= 1; stm::detail::write_again(p)->ratio *= 0.5; }

long increments(Node *p) { p->value++; --p->value; return p->value--; }
// CHECK: long increments(Node *p) { stm::wr(p, "{{[^"]*}}")->value++; --stm::detail::write_again(p)->value; return stm::detail::write_again(p)->value--; }

void swap_values(Node *a, Node *b) { long t = a->value; a->value = b->value; b->value = t; }
// CHECK: void swap_values(Node *a, Node *b) { long t = stm::rd(a)->value; stm::wr(a, "{{[^"]*}}")->value = stm::rd(b)->value; stm::wr(b, "{{[^"]*}}")->value = t; }

struct Vec2 {
  double x = 0, y = 0;
  Vec2 operator+(const Vec2 &o) const { return {x + o.x, y + o.y}; }
  void scale(double f) { x *= f; y *= f; }
};

struct Body : stm::object {
  Vec2 pos, vel;
  // Members of value type: assigned and modified in place, after the write
  // barrier, with no hook (the methods reach no safe point).
  void step() { pos = pos + vel; vel.scale(0.5); }
  // CHECK: void step() { stm::detail::safe_point(); stm::wr(this, "{{[^"]*}}")->pos = stm::rd(this)->pos + stm::rd(this)->vel; stm::wr(this, "{{[^"]*}}")->vel.scale(0.5); }
};

#include <array>
struct Table : stm::object {
  std::array<long, 4> cells{};
};
// Elements of a container member: read through the accessor, written after
// the object's write barrier; no hook either way.
void set(Table *t, int i) { t->cells[i] = 1; t->cells.at(i) += 2; }
// CHECK: void set(Table *t, int i) { stm::detail::safe_point(); stm::wr(t, "{{[^"]*}}")->cells[i] = 1; stm::detail::write_again(t)->cells.at(i) += 2; }
long get(Table *t, int i) { return t->cells[i] + (long)t->cells.size(); }
// CHECK: long get(Table *t, int i) { stm::detail::safe_point(); return stm::rd(t)->cells[i] + (long)stm::rd(t)->cells.size(); }
