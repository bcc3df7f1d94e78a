#include "sanitizer.h"

#include "diagnostics.h"
#include "faults.h"
#include "heap.h"
#include "registry.h"
#include "segment.h"
#include "types.h"

#include <stmify/stm.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>

namespace stm::rt {
namespace {

void protect_view(const segment &seg, unsigned epoch, bool writable, int protection) noexcept {
  void *view = reinterpret_cast<void *>(g_heap.view_window(seg.index, epoch, writable) + kPage);
  if (mprotect(view, g_heap.window_size - kPage, protection) != 0)
    fatal("the barrier sanitizer cannot change the views of segment %u (%s)", seg.index,
          std::strerror(errno));
}

// The read view of read_epoch and the write views still readable, closed by
// one call over the span of views from the first to the last of them (views
// of one segment are adjacent windows; those between are closed already).
// Each call that takes rights away stops every other thread of the process to
// flush its TLB, and a continuing thread leaves up to kViewEpochs write views
// readable.
void close_open_views(segment &seg, unsigned read_epoch) noexcept {
  unsigned first = read_epoch * 2, last = first;
  for (unsigned epoch = 0; epoch < kViewEpochs; ++epoch)
    if (seg.readable_write_views & (1u << epoch)) {
      first = std::min(first, epoch * 2 + 1);
      last = std::max(last, epoch * 2 + 1);
    }
  seg.readable_write_views = 0;
  const std::uintptr_t begin = g_heap.view_window(seg.index, first / 2, first % 2) + kPage;
  const std::uintptr_t end = g_heap.view_window(seg.index, last / 2, last % 2) + g_heap.window_size;
  if (mprotect(reinterpret_cast<void *>(begin), end - begin, PROT_NONE) != 0)
    fatal("the barrier sanitizer cannot close the views of segment %u (%s)", seg.index,
          std::strerror(errno));
}

struct reference_check {
  const segment &seg;
  const stm_type_descriptor_t &type;
  std::uintptr_t object;
};

void check_reference(void *ctx, const void *ref) {
  const auto &check = *static_cast<const reference_check *>(ctx);
  const auto value = reinterpret_cast<std::uintptr_t>(ref);
  if (!g_heap.in_reservation(value) || value < g_heap.window(1))
    return; // null, canonical, or no managed reference at all
  const transaction_state &tx = check.seg.tx;
  fatal("barrier sanitizer: a %s object (heap offset %#lx) that %s%s wrote holds %p, a "
        "reference into a segment instead of a canonical one: a pointer returned by a "
        "barrier was stored without stm::canon (by a file not compiled with stmify, or "
        "by a transformer error)",
        check.type.name, static_cast<unsigned long>(check.object),
        tx.kind != tx_kind::atomic ? "code outside atomic blocks"
        : tx.site                  ? "the atomic block at "
                                   : "an atomic block",
        tx.kind == tx_kind::atomic && tx.site ? tx.site : "", ref);
}

void check_object(const segment &seg, std::uintptr_t object, std::uintptr_t header) noexcept {
  const auto *local = reinterpret_cast<const stm_object_t *>(seg.base + object + header);
  const stm_type_descriptor_t *type = type_of(local->stm_tid);
  if (!type || !type->trace)
    return;
  reference_check check{seg, *type, object};
  type->trace(reinterpret_cast<const void *>(seg.base + object), check_reference, &check);
}

} // namespace

void open_views(thread_record &t, segment &seg, bool new_reads) noexcept {
  const unsigned old_reads = seg.read_view_epoch.load(std::memory_order_relaxed);
  const unsigned reads = old_reads + (new_reads ? 1 : 0);
  const unsigned writes = seg.write_view_epoch.load(std::memory_order_relaxed) + 1;
  if (new_reads) {
    close_open_views(seg, old_reads % kViewEpochs);
    protect_view(seg, reads % kViewEpochs, false, PROT_READ);
  } else if (seg.readable_write_views & (1u << (writes - 1) % kViewEpochs)) {
    // The same thread goes on reading the same segment: what it bound for
    // writing before may still be read, but a write through it would not be
    // published.
    protect_view(seg, (writes - 1) % kViewEpochs, true, PROT_READ);
  }
  protect_view(seg, writes % kViewEpochs, true, PROT_READ | PROT_WRITE);
  seg.readable_write_views |= 1u << writes % kViewEpochs;
  seg.read_view_epoch.store(reads, std::memory_order_relaxed);
  seg.write_view_epoch.store(writes, std::memory_order_relaxed);
  t.view->read_view_base = g_heap.view_window(seg.index, reads % kViewEpochs, false);
  t.view->write_view_base = g_heap.view_window(seg.index, writes % kViewEpochs, true);
}

void close_views(thread_record &t, segment &seg) noexcept {
  // The next holder's first transaction opens views no earlier one had.
  close_open_views(seg, seg.read_view_epoch.load(std::memory_order_relaxed) % kViewEpochs);
  t.view->read_view_base = 0;
  t.view->write_view_base = 0;
}

void check_stored_references(const segment &seg) noexcept {
  std::uintptr_t last = ~std::uintptr_t(0);
  for (const write_record &w : seg.tx.writes)
    if (w.object != last) { // the cards of one array follow each other
      check_object(seg, w.object, w.header);
      last = w.object;
    }
  for (const created_record &c : seg.tx.created)
    check_object(seg, c.start, c.header);
}

void check_call_buffer(const void *buffer, bool fills, const char *call) noexcept {
  view_address view;
  if (!find_view(reinterpret_cast<std::uintptr_t>(buffer), view))
    return;
  if (!view.current)
    fatal("barrier sanitizer: %s was given a buffer in a managed object through a reference "
          "from a barrier of an earlier transaction (%p); run the barrier again where the "
          "buffer is passed",
          call, buffer);
  if (fills && !view.writable)
    fatal("barrier sanitizer: %s writes into a buffer in a managed object that had only a "
          "read barrier (%p): it needs stm::wr",
          call, buffer);
}

void check_kept_permission(const stm_object_t *local_header, bool write,
                           std::uintptr_t caller) noexcept {
  const thread_record *t = current_thread();
  if (!t || !t->seg)
    return;
  const segment &seg = *t->seg;
  if ((local_header->stm_flags & _STM_GCFLAG_WRITE_BARRIER) == 0)
    return; // backed up or created by the running transaction
  if (!write) {
    // Read markers count only in an atomic block that can still lose a
    // conflict.
    if (seg.tx.kind != tx_kind::atomic || seg.tx.inevitable ||
        *g_heap.marker(seg.base, g_heap.offset(local_header)) == seg.read_version)
      return;
  }
  // What, then where (the caller's call instruction: the byte before the
  // return address), then stop.
  std::fprintf(stderr,
               write ? "stmify: barrier sanitizer: a write barrier was left out "
                       "(stm::detail::write_again) where the running transaction had not "
                       "backed the object up (%p)\n"
                     : "stmify: barrier sanitizer: a read barrier was left out "
                       "(stm::detail::read_again) where the running atomic block had not "
                       "marked the object read (%p)\n",
               static_cast<const void *>(local_header));
  say_source_line(caller - 1);
  fatal(write ? "the write would not be published. This is a bug of stmify's barrier rules; "
                "please report it"
              : "a conflicting commit would not be seen. This is a bug of stmify's barrier "
                "rules; please report it");
}

bool find_view(std::uintptr_t address, view_address &out) noexcept {
  const heap_layout &h = g_heap;
  if (!h.sanitizer || !h.in_reservation(address) || address < h.view_window(1, 0, false))
    return false;
  const std::uintptr_t index = (address - h.view_window(1, 0, false)) / h.window_size;
  out.segment = static_cast<unsigned>(index / (2 * kViewEpochs)) + 1;
  out.writable = index % 2 != 0;
  const unsigned epoch = static_cast<unsigned>(index / 2 % kViewEpochs);
  const segment &seg = segment_at(out.segment);
  const std::atomic<unsigned> &current = out.writable ? seg.write_view_epoch : seg.read_view_epoch;
  const thread_record *owner = seg.owner.load(std::memory_order_relaxed);
  out.current = owner != nullptr && owner != kReclaimerOwner &&
                current.load(std::memory_order_relaxed) % kViewEpochs == epoch;
  return true;
}

} // namespace stm::rt
