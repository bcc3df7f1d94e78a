// Services of the C ABI that are not transactions: the segment limit, a
// conflict-free counter, statistics, the heap-exhausted message.
#include "gc.h"
#include "heap.h"
#include "registry.h"
#include "segment.h"
#include "setup.h"

#include <stmify/stm.h>

#include <sys/resource.h>

#include <atomic>
#include <string>

using namespace stm::rt;

// The runtime's locks and one-time initialisations in these services are not
// the program's: inside an atomic block they must not make it inevitable.

unsigned stm_segment_limit(void) noexcept {
  runtime_scope scope;
  ensure_setup();
  return g_heap.segments;
}

unsigned long long stm_count(void) noexcept {
  static std::atomic<unsigned long long> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) + 1;
}

namespace {
// Linux reports ru_maxrss in KiB.
uint64_t peak_resident_bytes() noexcept {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}
} // namespace

void stm_get_statistics(stm_statistics_t *out) noexcept {
  runtime_scope scope;
  *out = stm_statistics_t{};
  ensure_runtime();
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    const segment_stats &s = segment_at(i).stats;
    out->commits += s.commits.get();
    out->aborts += s.aborts.get();
    out->inevitable += s.inevitable.get();
    out->ambient_commits += s.ambient_commits.get();
  }
  const gc_statistics gc = gc_stats();
  out->collections = gc.collections;
  out->gc_pause_ns = gc.total_pause_ns;
  out->gc_max_pause_ns = gc.max_pause_ns;
  out->live_bytes = gc.live_bytes;
  out->peak_resident_bytes = peak_resident_bytes();
}

const char *stm_heap_exhausted_message(void) noexcept {
  runtime_scope scope;
  static const std::string message = [] {
    ensure_setup();
    return "stmify: the managed heap is full: STMIFY_HEAP_LIMIT is " +
           std::to_string(g_heap.heap_limit >> 20) +
           " MiB; raise it, or keep fewer objects reachable";
  }();
  return message.c_str();
}
