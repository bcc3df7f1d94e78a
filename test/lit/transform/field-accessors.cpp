// Accessors that return a reference to a field of a managed object (an
// operator[], a getter): the field gets the barrier at the return (a write
// barrier when the reference can write), and each caller's use of the result
// is judged like a field's.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Stats {
  long count = 0;
  void add(long v) { count += v; }
};

struct Table : stm::object {
  long cells[8] = {};
  Stats stats;
  long &operator[](int i) { return cells[i]; }
  const long &operator[](int i) const { return cells[i]; }
  Stats &summary() { return stats; }
  long &first() { return (*this)[0]; }
};
// CHECK: long &operator[](int i) { return stm::wr(this, "{{[^"]*}}field-accessors.cpp:17:36 (in Table::operator[])")->cells[i]; }
// CHECK-NEXT: const long &operator[](int i) const { return stm::rd(this)->cells[i]; }
// CHECK-NEXT: Stats &summary() { return stm::wr(this, "{{[^"]*}}:19:29 (in Table::summary)")->stats; }
// CHECK-NEXT: long &first() { stm::detail::safe_point(); return (*stm::rd(this))[0]; }

template <class T> struct Ring : stm::object {
  T slots[4] = {};
  T &at(int i) { return slots[i % 4]; }
};
// CHECK: T &at(int i) { return stm::wr(this, "{{[^"]*}}:29:25 (in Ring::at)")->slots[i % 4]; }

inline long &cell0(Table *t) { return t->cells[0]; }
// CHECK: inline long &cell0(Table *t) { return stm::wr(t, "{{[^"]*}}:33:39 (in cell0)")->cells[0]; }

void use(Table *t, Ring<long> *r) {
  (*t)[1] += 2;
  {
    long &c = (*t)[2];
    c = (*t)[3] + cell0(t);
  }
  t->summary().add(1);
  r->at(5) += 1;
  stm::atomic([&] {
    long &f = t->first();
    f += (*t)[4];
  });
}
// CHECK: void use(Table *t, Ring<long> *r) { stm::detail::safe_point();
// CHECK-NEXT: (*stm::rd(t))[1] += 2;
// CHECK-NEXT: {
// CHECK-NEXT: long &c = (*stm::rd(t))[2];
// CHECK-NEXT: c = (*stm::rd(t))[3] + cell0(t);
// CHECK-NEXT: }
// CHECK-NEXT: stm::loc(t)->summary().add(1);
// CHECK-NEXT: stm::loc(r)->at(5) += 1;
// CHECK-NEXT: stm::atomic([&] {
// CHECK-NEXT: long &f = stm::loc(t)->first();
// CHECK-NEXT: f += (*stm::rd(t))[4];
