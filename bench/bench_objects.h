// Managed and plain versions of the same shapes, for side-by-side timing.
#ifndef STMIFY_BENCH_OBJECTS_H
#define STMIFY_BENCH_OBJECTS_H

#include <stmify/stm.hpp>

namespace stmbench {

struct Node : stm::object {
  long key = 0;
  Node *next = nullptr;
  using __stmify_traced_type = Node;
  static void __stmify_trace(const void *o, stm_visit_fn v, void *c) {
    stm::detail::trace_value(static_cast<const Node *>(o)->next, v, c);
  }
};

struct PlainNode {
  long key = 0;
  PlainNode *next = nullptr;
};

struct Cell : stm::object {
  long value = 0;
  long pad = 0;
  using __stmify_traced_type = Cell;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

} // namespace stmbench

#endif
