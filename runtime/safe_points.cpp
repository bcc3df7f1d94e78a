#include "heap.h"
#include "segment.h"
#include "threads.h"
#include "transaction.h"
#include "gc.h"

#include <stmify/stm.h>

using namespace stm::rt;

namespace {

// Safe-point visits after which code outside atomic blocks publishes what it
// did, so that other threads see it and the inevitable slot is shared.
constexpr unsigned kAmbientPublishVisits = 8;

} // namespace

int _stm_safe_point_slowpath(int may_abort) noexcept {
  // The thread may stop here (for a collection, or to let another thread use
  // its segment): its callers' registers must be on the stack.
  __builtin_unwind_init();
  thread_record *t = current_thread();
  if (!t || !t->seg) {
    attached_thread();
    return 0;
  }
  if (collection_requested())
    park_for_collection(*t);
  segment &seg = *t->seg;
  t->view->safe_point_countdown = static_cast<std::int32_t>(g_config.safe_point_interval);
  if (seg.tx.kind == tx_kind::atomic) {
    validate(seg);
    return may_abort && seg.tx.doomed ? 1 : 0;
  }
  ++t->ambient_visits;
  if (segment_waiters()) { // more threads than segments: take turns
    detach(*t);
    reattach(*t);
    return 0;
  }
  const bool publish_due =
      seg.tx.inevitable
          ? g_inevitable_waiters.load(std::memory_order_relaxed) > 0 ||
                t->ambient_visits >= kAmbientPublishVisits
          : seg.tx.has_effects() && (t->ambient_visits >= kAmbientPublishVisits ||
                                     seg.tx.created_bytes > kAmbientPublishBytes);
  if (publish_due)
    restart_ambient(*t);
  else
    validate(seg);
  return 0;
}
