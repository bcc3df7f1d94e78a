// Managed test types with hand-written trace functions (what the transformer
// generates for user code).
#ifndef STMIFY_TEST_RUNTIME_OBJECTS_H
#define STMIFY_TEST_RUNTIME_OBJECTS_H

#include <stmify/stm.hpp>

#include <thread>
#include <vector>

namespace stmtest {

struct Cell : stm::object {
  long value = 0;
  long other = 0;
  using __stmify_traced_type = Cell;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

struct Node : stm::object {
  long key = 0;
  Node *next = nullptr;
  using __stmify_traced_type = Node;
  static void __stmify_trace(const void *o, stm_visit_fn visit, void *ctx) {
    stm::detail::trace_value(static_cast<const Node *>(o)->next, visit, ctx);
  }
};

// Reads and writes with the barriers the transformer would insert.
inline long get(Cell *c) { return stm::rd(c)->value; }
inline void set(Cell *c, long v) { stm::wr(c)->value = v; }

// What the transformer emits around a statement that publishes work to other
// threads, and around a join (which blocks: the segment is lent meanwhile).
inline void publish() { stm::detail::ambient_boundary("test"); }
inline void join_all(std::vector<std::thread> &threads) {
  stm::detail::blocking("join", [&] {
    for (auto &t : threads)
      t.join();
  });
}
inline void join_all(std::thread &t) {
  stm::detail::blocking("join", [&] { t.join(); });
}

} // namespace stmtest

#endif
