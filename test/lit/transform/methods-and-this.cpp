// Implicit and explicit `this`, `this` used as a value, member and virtual
// calls, inherited fields.
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include | FileCheck %s
#include <stmify/stm.hpp>

struct Shape : stm::object {
  long area = 0;
  Shape *parent = nullptr;
  virtual long size() const { return area; }
  // CHECK: virtual long size() const { return stm::rd(this)->area; }
  void grow() { area *= 2; this->area += 1; }
  // CHECK: void grow() { stm::wr(this, "{{[^"]*}}")->area *= 2; stm::wr(this, "{{[^"]*}}")->area += 1; }
  void adopt(Shape *child) { child->parent = this; }
  // CHECK: void adopt(Shape *child) { stm::wr(child, "{{[^"]*}}")->parent = stm::canon(this); }
  bool is(const Shape *other) const { return other == this; }
  // CHECK: bool is(const Shape *other) const { return other == stm::canon(this); }
  Shape &self() { return *this; }
  // CHECK: Shape &self() { return *stm::canon(this); }
  long twice() const { return size() + this->size(); }
  // CHECK: long twice() const { return size() + stm::loc(this)->size(); }
};

struct Square : Shape {
  long side = 0;
  long size() const override { return side * side + area; }
  // CHECK: long size() const override { return stm::rd(this)->side * stm::rd(this)->side + stm::rd(this)->area; }
  void set(long s) { Shape::area = s; }
  // CHECK: void set(long s) { stm::wr(this, "{{[^"]*}}")->Shape::area = s; }
};

long call(Shape *s, Square &q) { return s->size() + q.size() + (*s).twice(); }
// CHECK: long call(Shape *s, Square &q) { return stm::loc(s)->size() + stm::loc(q).size() + (*stm::loc(s)).twice(); }

long inherited(Square *q) { return q->area + q->side; }
// CHECK: long inherited(Square *q) { return stm::rd(q)->area + stm::rd(q)->side; }
