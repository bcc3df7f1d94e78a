// The common cases of the engine, inline where they are asked for. First,
// beginning and committing an atomic block, inline in the ABI's entry
// points: no commit of another thread to import, no retry, and nothing
// observed, sanitized or forced. Each does what begin_atomic or commit_atomic
// (transaction.cpp) would do in that case, with no runtime_scope (nothing
// inline here waits, locks or allocates; a commit's own entry is built and
// appended out of line, under one: append_unmoved) and the transaction's
// state cleared once instead of cleared and then checked; any other case
// returns false before it has changed anything the transaction holds, and
// the caller takes the general path.
#ifndef STMIFY_RUNTIME_TRANSACTION_FAST_PATH_H
#define STMIFY_RUNTIME_TRANSACTION_FAST_PATH_H

#include "commit_log.h"
#include "conflict_report.h"
#include "diagnostics.h"
#include "heap.h"
#include "registry.h"
#include "segment.h"
#include "transaction.h"
#include "types.h"

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
  // nothing to publish; the last read version wraps (next_read_version).
  if (tx.kind != tx_kind::ambient || tx.has_effects() || tx.inevitable || !plain_attempt(t) ||
      seg.read_version == kLastReadVersion)
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
  // Its reads were consistent as of its last validation, and no commit has
  // come since: a transaction that wrote and created nothing publishes
  // nothing, and is ordered there; one that did appends its entry right
  // after (append_unmoved), or, if another transaction got there first,
  // takes the general path, which validates again. Objects under
  // construction, commit callbacks and handlers are for the general path.
  if (tx.kind != tx_kind::atomic || tx.doomed || tx.inevitable || !plain_attempt(t) ||
      !seg.constructing.empty() ||
      (tx.uses_rare() && (!tx.rare().on_commit.empty() || !tx.rare().handlers.empty())))
    return false;
  if (tx.has_effects() && !append_unmoved(seg))
    return false;
  tx.clear();
  tx.kind = tx_kind::ambient;
  ++seg.stats.commits;
  t.consecutive_aborts = 0;
  t.view->atomic_depth = 0;
  t.ambient_visits = 0;
  return true;
}

// At the end of a commit: lets the program begin its next block itself
// (_stm_begin_quickly in stm.h). arm_quick_blocks_unchecked after
// commit_atomic_quickly, which left the case arming needs; arm_quick_blocks
// after any other commit, if that begin would take the path above and the
// block, if it calls nothing in the runtime, could end as above with nothing
// to publish. Until the thread next enters the runtime (settle_quick_block),
// none of that changes but through the runtime.
inline void arm_quick_blocks_unchecked(thread_record &t) noexcept {
  segment &seg = *t.seg;
  _stm_thread_view &view = *t.view;
  static_assert(sizeof(std::atomic<commit_entry *>) == sizeof(std::uintptr_t));
  view.quick_log_end = reinterpret_cast<const std::uintptr_t *>(
      &seg.last_seen.load(std::memory_order_relaxed)->next);
  static_assert(sizeof(seg.stats.commits.value) == sizeof(std::uint64_t));
  view.quick_commits = reinterpret_cast<std::uint64_t *>(&seg.stats.commits.value);
  __atomic_store_n(&view.quick_state, static_cast<std::uint8_t>(_STM_QUICK_ARMED),
                   __ATOMIC_RELAXED);
}

inline void arm_quick_blocks(thread_record &t) noexcept {
  segment &seg = *t.seg;
  const transaction_state &tx = seg.tx;
  if (tx.kind != tx_kind::ambient || tx.has_effects() || tx.inevitable || !plain_attempt(t) ||
      !seg.constructing.empty())
    return;
  t.view->read_version = static_cast<_stm_read_version_t>(seg.read_version);
  t.ambient_visits = 0; // as after commit_atomic_quickly, which the block will not call
  arm_quick_blocks_unchecked(t);
}

// Then the write barrier's slow paths (abi.cpp): their first write of an
// object in a transaction costs a backup of the object (or of one card of a
// large array), and most objects are small (copy_granules).

// What every write slow path does first: the object is marked read (so that
// write-write conflicts show up as write-read). Returns its type.
inline const stm_type_descriptor_t &prepare_write(segment &seg,
                                                  stm_object_t *local_header) noexcept {
  const std::uintptr_t header = g_heap.offset(local_header);
  *g_heap.marker(seg.base, header) = seg.read_version;
  const stm_type_descriptor_t *type = type_of(local_header->stm_tid);
  if (!type)
    fatal("write barrier on an object without a type (id %u) at heap offset %#lx",
          local_header->stm_tid, static_cast<unsigned long>(header));
  return *type;
}

// Backs up [start, start + size) (whole granules) before the transaction
// first writes it.
inline void back_up(segment &seg, std::uintptr_t start, std::uintptr_t object, std::size_t size,
                    std::size_t header, bool card) {
  unsigned char *backup = seg.tx.backups.allocate(size);
  copy_granules(backup, reinterpret_cast<const unsigned char *>(seg.base + start), size);
  seg.tx.record_write({start, object, static_cast<std::uint32_t>(size),
                       static_cast<std::uint16_t>(header), card, backup});
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
