// Calls of managed objects' methods (virtual or not) translate the object.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Shape : stm::object {
  long area = 0;
  virtual long size() const { return area; }
  long twice() const { return size() + this->size(); }
  // CHECK: long twice() const { stm::detail::safe_point(); return size() + stm::loc(this)->size(); }
};

struct Square : Shape {
  long size() const override { return area * 2; }
};

long call(Shape *s, Square &q) { return s->size() + q.size() + (*s).twice(); }
// CHECK: long call(Shape *s, Square &q) { stm::detail::safe_point(); return stm::loc(s)->size() + stm::loc(q).size() + (*stm::loc(s)).twice(); }

long chained(Shape **shapes) { return shapes[0]->size(); }
// CHECK: long chained(Shape **shapes) { stm::detail::safe_point(); return stm::loc(shapes[0])->size(); }
