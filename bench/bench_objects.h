// Managed and plain versions of the same shapes, and the plain mutex, for
// side-by-side timing.
#ifndef STMIFY_BENCH_OBJECTS_H
#define STMIFY_BENCH_OBJECTS_H

#include <stmify/stm.hpp>

#include <dlfcn.h>
#include <pthread.h>

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

// The C library's pthread_mutex_lock and unlock, past the runtime's
// definitions: the mutex of a program without the runtime.
struct libc_mutex_functions {
  using function = int (*)(pthread_mutex_t *);
  function lock = reinterpret_cast<function>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
  function unlock = reinterpret_cast<function>(dlsym(RTLD_NEXT, "pthread_mutex_unlock"));
  explicit operator bool() const { return lock && unlock; }
};

} // namespace stmbench

#endif
