// Fields inherited from managed and unmanaged bases of a managed class.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Extent {
  long width = 0;
};

struct Shape : stm::object {
  long area = 0;
};

struct Square : Shape, Extent {
  long side = 0;
  void set(long s) { Shape::area = s; width = s; }
  // CHECK: void set(long s) { stm::wr(this, "{{[^"]*}}")->Shape::area = s; stm::detail::write_again(this)->width = s; }
};

long inherited(Square *q) { return q->area + q->side + q->width; }
// CHECK: long inherited(Square *q) { return stm::rd(q)->area + stm::rd(q)->side + stm::rd(q)->width; }
