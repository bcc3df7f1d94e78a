// The common cases of the engine, inline where they are asked for. First,
// beginning and committing an atomic block, inline in
// the ABI's entry points: nothing to publish, no commit of another thread to
// import, no retry, and nothing observed, sanitized or forced. Each does what
// begin_atomic or commit_atomic (transaction.cpp) would do in that case, with
// no call, no runtime_scope (nothing here waits, locks or allocates) and the
// transaction's state cleared once instead of cleared and then checked; any
// other case returns false before it has changed anything, and the caller
// takes the general path.
#ifndef STMIFY_RUNTIME_TRANSACTION_FAST_PATH_H
#define STMIFY_RUNTIME_TRANSACTION_FAST_PATH_H

#include "commit_log.h"
#include "conflict_report.h"
#include "heap.h"
#include "registry.h"
#include "segment.h"

namespace stm::rt {

// Has another segment committed since seg last validated?
inline bool log_moved_since(const segment &seg) noexcept {
  return !is_log_end(
      seg.last_seen.load(std::memory_order_relaxed)->next.load(std::memory_order_acquire));
}

// Set up with the runtime: neither the conflict diagnostics, the barrier
// sanitizer nor forced aborts ask for anything at a begin or a commit.
extern bool g_quick_blocks;

// An attempt that is not a retry (which the retry limit may make inevitable)
// of a block that nothing observes.
inline bool plain_attempt(const thread_record &t) noexcept {
  return g_quick_blocks && t.consecutive_aborts == 0;
}

// frames_below: the stack pointer of the code that begins the block.
__attribute__((always_inline)) inline bool
begin_atomic_quickly(thread_record &t, const char *site, std::uintptr_t frames_below) noexcept {
  segment &seg = *t.seg;
  transaction_state &tx = seg.tx;
  // The log first: what is read after an acquiring load is read again.
  if (log_moved_since(seg))
    return false;
  // An ambient transaction with no effects and not inevitable ends with
  // nothing to publish; a read version of 255 wraps (next_read_version).
  if (tx.kind != tx_kind::ambient || tx.has_effects() || tx.inevitable || !plain_attempt(t) ||
      seg.read_version == 255)
    return false;
  tx.clear();
  tx.kind = tx_kind::atomic;
  tx.site = site;
  tx.frames_below = frames_below;
  ++seg.read_version;
  t.view->read_version = static_cast<_stm_read_version_t>(seg.read_version);
  t.view->atomic_depth = 1;
  return true;
}

__attribute__((always_inline)) inline bool commit_atomic_quickly(thread_record &t) noexcept {
  segment &seg = *t.seg;
  transaction_state &tx = seg.tx;
  if (log_moved_since(seg)) // an import the next ambient transaction would begin with
    return false;
  // A transaction that wrote and created nothing publishes nothing: its
  // reads were consistent as of its last validation, where it is ordered.
  // Objects under construction, commit callbacks and handlers are for the
  // general path.
  if (tx.kind != tx_kind::atomic || tx.doomed || tx.has_effects() || tx.inevitable ||
      !plain_attempt(t) || !seg.constructing.empty() ||
      (tx.uses_rare() && (!tx.rare().on_commit.empty() || !tx.rare().handlers.empty())))
    return false;
  tx.clear();
  tx.kind = tx_kind::ambient;
  ++seg.stats.commits;
  t.consecutive_aborts = 0;
  t.view->atomic_depth = 0;
  t.ambient_visits = 0;
  return true;
}

// Synchronisation edges (threads.h) with nothing to do, which most are: a
// release outside atomic blocks with nothing to publish, an acquire outside
// atomic blocks with no commit to import. An intercepted lock or unlock asks
// first, before it saves errno and enters the runtime.
inline bool release_edge_needed(const thread_record &t) noexcept {
  const transaction_state &tx = t.seg->tx;
  return tx.kind == tx_kind::atomic || tx.has_effects();
}

inline bool acquire_edge_needed(const thread_record &t) noexcept {
  return t.seg->tx.kind == tx_kind::atomic || log_moved_since(*t.seg);
}

} // namespace stm::rt

#endif
