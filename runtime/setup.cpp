#include "setup.h"

#include "allocator.h"
#include "conflict_report.h"
#include "event_log.h"
#include "faults.h"
#include "heap.h"
#include "internal_memory.h"
#include "segment.h"
#include "threads.h"
#include "transaction.h"
#include "types.h"

#include <pthread.h>

namespace stm::rt {

segment *g_segments = nullptr;

namespace {

pthread_once_t g_runtime_once = PTHREAD_ONCE_INIT;

void setup_runtime() {
  ensure_setup();
  setup_allocator();
  setup_internal_memory();
  setup_types();
  g_segments = new segment[g_heap.segments + 1];
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    g_segments[i].index = i;
    g_segments[i].base = g_heap.window(i);
  }
  setup_threads();
  install_interceptors();
  install_fault_handler();
  setup_event_log();
  setup_conflict_report();
  setup_transactions();
}

} // namespace

void ensure_runtime() noexcept { pthread_once(&g_runtime_once, setup_runtime); }

} // namespace stm::rt
