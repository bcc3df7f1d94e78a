#include "commit_log.h"

#include "allocator.h"
#include "diagnostics.h"
#include "gc.h"
#include "heap.h"
#include "internal_memory.h"
#include "segment.h"
#include "shared_pages.h"
#include "sync.h"
#include "transaction.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace stm::rt {

commit_entry g_log_root;

namespace {

std::mutex g_reclaim_lock;
commit_entry *g_log_oldest = &g_log_root; // guarded by g_reclaim_lock
// The entries the reclaimer frees, per pool, before they go back to it in one
// exchange (guarded by g_reclaim_lock; static, as clearing a table for every
// possible segment on each reclaim cost more than the rest of it).
struct entry_chain {
  commit_entry *first = nullptr, *last = nullptr;
};
entry_chain g_chains[kMaxSegments + 1][kEntryPoolClasses];
std::atomic<std::size_t> g_entries_reclaimed{0};

} // namespace

namespace {

constexpr std::size_t kSmallestPooled = 256;

constexpr std::size_t pooled_payload(unsigned cls) {
  return (kSmallestPooled << cls) - sizeof(commit_entry);
}

// The pool class of a payload; kEntryPoolClasses if it is too large for any.
unsigned pool_class(std::size_t payload) {
  unsigned cls = 0;
  while (cls < kEntryPoolClasses && payload > pooled_payload(cls))
    ++cls;
  return cls;
}

commit_entry *take_pooled(entry_pool &pool) {
  if (!pool.ready)
    pool.ready = pool.returned.exchange(nullptr, std::memory_order_acquire);
  commit_entry *e = pool.ready;
  if (e)
    pool.ready = e->recycled;
  return e;
}

} // namespace

commit_entry *new_entry(segment &committer, std::size_t payload) {
  commit_entry *e = nullptr;
  std::size_t capacity = payload;
  const unsigned cls = pool_class(payload);
  if (cls < kEntryPoolClasses) {
    capacity = pooled_payload(cls);
    e = take_pooled(committer.entries[cls]);
  }
  if (!e)
    e = static_cast<commit_entry *>(internal_allocate(sizeof(commit_entry) + capacity));
  ++committer.stats.entries_made;
  new (e) commit_entry();
  e->committer = committer.index;
  e->payload = payload;
  e->capacity = capacity;
  return e;
}

namespace {

// Gives a chain of entries (linked through `recycled`) back to a pool.
void return_chain(entry_pool &pool, commit_entry *first, commit_entry *last) noexcept {
  commit_entry *head = pool.returned.load(std::memory_order_relaxed);
  do
    last->recycled = head;
  while (!pool.returned.compare_exchange_weak(head, first, std::memory_order_release,
                                              std::memory_order_relaxed));
}

// The pool an entry goes back to, or null (the root, and large entries).
entry_pool *pool_of(const commit_entry *e) {
  const unsigned cls = pool_class(e->capacity);
  if (e->committer == 0 || cls == kEntryPoolClasses || e->capacity != pooled_payload(cls))
    return nullptr;
  return &segment_at(e->committer).entries[cls];
}

void release_memory(commit_entry *e) noexcept {
  const std::size_t bytes = sizeof(commit_entry) + e->capacity;
  e->~commit_entry();
  internal_free(e, bytes);
}

} // namespace

void free_entry(commit_entry *e) noexcept {
  ++segment_at(e->committer).stats.entries_dropped; // the caller holds it
  if (entry_pool *pool = pool_of(e))
    return_chain(*pool, e, e);
  else
    release_memory(e);
}

log_record *conflicting_record(const segment &seg, commit_entry &e) noexcept {
  log_record *r = e.first();
  for (std::uint32_t i = 0; i < e.records; ++i, r = r->next())
    if (*g_heap.marker(seg.base, r->header_offset()) == seg.read_version)
      return r;
  return nullptr;
}

namespace {

// The running transaction's backups of one piece of a record: the backup of
// the piece's card (for an array tracked per card) and of its whole object.
// A card is never backed up after its whole object (the object's flag then
// says that no backup is needed), so where both exist the card's is older.
struct own_backups {
  write_record *card = nullptr;
  write_record *whole = nullptr;
};

// Copies the record's bytes [begin, end) into the window except where the
// transaction changed them (they differ from its oldest backup); the
// backups take the record's bytes everywhere.
void merge(segment &seg, log_record &r, std::uintptr_t begin, std::uintptr_t end,
           own_backups own) noexcept {
  auto *window = reinterpret_cast<unsigned char *>(seg.base);
  const unsigned char *incoming = r.bytes() - r.start;
  unsigned char *card = own.card ? own.card->backup - own.card->start : nullptr;
  unsigned char *whole = own.whole ? own.whole->backup - own.whole->start : nullptr;
  unsigned char *oldest = card ? card : whole;
  for (std::uintptr_t at = begin; at < end; ++at) {
    if (window[at] == oldest[at])
      window[at] = incoming[at];
    if (card)
      card[at] = incoming[at];
    if (whole)
      whole[at] = incoming[at];
  }
}

// Imports one record, keeping the bytes that seg's running transaction wrote.
// Whether it backed the whole object up, the object's write-barrier flag says
// without a lookup in the common case, an object nobody here wrote. The
// record of an array tracked per card (larger than _STM_CARD_MIN_OBJECT), a
// card's or the whole object's, is merged card by card, each card with its
// own backup if there is one.
bool import_record(segment &seg, log_record &r) noexcept {
  auto *window = reinterpret_cast<unsigned char *>(seg.base);
  transaction_state &tx = seg.tx;
  if (tx.writes.empty()) {
    copy_granules(window + r.start, r.bytes(), r.size);
    return false;
  }
  const auto *h = reinterpret_cast<const stm_object_t *>(seg.base + r.header_offset());
  write_record *whole =
      h->stm_flags & _STM_GCFLAG_WRITE_BARRIER ? nullptr : tx.written(r.object, /*card=*/false);
  const bool per_card = !r.whole() || r.size > _STM_CARD_MIN_OBJECT;
  const std::uintptr_t end = r.start + r.size;
  bool kept = false;
  for (std::uintptr_t piece = r.start; piece < end; piece += per_card ? _STM_CARD_BYTES : r.size) {
    const std::uintptr_t piece_end =
        per_card ? std::min<std::uintptr_t>(piece + _STM_CARD_BYTES, end) : end;
    write_record *card =
        per_card && *card_flag(seg, r.object, piece) ? tx.written(piece, /*card=*/true) : nullptr;
    if (card || whole) {
      merge(seg, r, piece, piece_end, {card, whole});
      kept = true;
    } else {
      std::memcpy(window + piece, r.bytes() + (piece - r.start), piece_end - piece);
    }
  }
  return kept;
}

} // namespace

bool import_entry(segment &seg, commit_entry &e) noexcept {
  bool kept = false;
  log_record *r = e.first();
  for (std::uint32_t i = 0; i < e.records; ++i, r = r->next())
    if (!(r->flags & kRecordObjectDead))
      kept |= import_record(seg, *r);
  return kept;
}

void catch_up(segment &seg) noexcept {
  commit_entry *cur = seg.last_seen.load(std::memory_order_relaxed);
  for (commit_entry *next; !is_log_end(next = cur->next.load(std::memory_order_acquire));
       cur = next) {
    import_entry(seg, *next);
    seg.last_seen.store(next, std::memory_order_release);
  }
}

namespace {

std::size_t bytes_after(commit_entry *e) {
  std::size_t bytes = 0;
  for (e = e->next.load(std::memory_order_acquire); !is_log_end(e);
       e = e->next.load(std::memory_order_acquire))
    bytes += e->payload;
  return bytes;
}

// What copying a segment's heap costs: the part of the heap in use.
std::size_t copy_cost() {
  return std::max<std::size_t>(heap_top() - g_heap.heap_begin, std::size_t(16) << 20);
}

void make_stale(segment &seg) {
  const std::uintptr_t top = heap_top();
  drop_pages(seg.base + g_heap.heap_begin, top - g_heap.heap_begin);
  clear_markers(seg.base, top);
  seg.stale = true;
}

// Copies the blocks in use from `from`'s window to stale `to`'s, but for the
// pages `to` reads alike from the heap file (`from_idle`: no thread holds
// `from`, which may then share pages too).
void copy_heap(segment &from, bool from_idle, segment &to) {
  const std::uintptr_t top = heap_top();
  for (std::uintptr_t b = g_heap.heap_begin; b < top;) {
    std::uintptr_t run = b;
    while (run < top && block_at(run).kind != block_kind::unused)
      run += kBlock;
    if (run > b)
      copy_differing_pages(from, from_idle, to, b, run);
    b = run + kBlock;
  }
}

void copy_from_any_current_segment(void *target) {
  segment &to = *static_cast<segment *>(target);
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    segment &from = segment_at(i);
    if (&from == &to || from.stale)
      continue;
    copy_heap(from, false, to);
    // What it committed, not its changes: newest backup first, so that a card
    // backed up before its whole object ends with the card's older bytes.
    for (auto w = from.tx.writes.rbegin(); w != from.tx.writes.rend(); ++w)
      std::memcpy(reinterpret_cast<void *>(to.base + w->start), w->backup, w->size);
    to.last_seen.store(from.last_seen.load(std::memory_order_relaxed), std::memory_order_relaxed);
    to.stale = false;
    return;
  }
  fatal("no segment holds the committed state");
}

} // namespace

void refresh_stale_segment(thread_record &t, segment &seg) noexcept {
  // Waiting for the lock counts as stopped: its holder may be stopping the
  // world. The copy itself runs with t running, so that no collection runs
  // while a window is half copied.
  std::unique_lock<std::mutex> lock(g_reclaim_lock, std::defer_lock);
  wait_stopped(t, [&] { lock.lock(); });
  for (unsigned i = 1; i <= g_heap.segments && seg.stale; ++i) {
    segment &donor = segment_at(i);
    thread_record *expected = nullptr;
    if (&donor == &seg ||
        !donor.owner.compare_exchange_strong(expected, kReclaimerOwner, std::memory_order_acquire))
      continue;
    if (!donor.stale) {
      catch_up(donor);
      copy_heap(donor, true, seg);
      seg.last_seen.store(donor.last_seen.load(std::memory_order_relaxed),
                          std::memory_order_release);
      seg.stale = false;
    }
    release_segment(donor);
  }
  while (seg.stale)
    with_world_stopped(copy_from_any_current_segment, &seg);
}

namespace {

// Under g_reclaim_lock (which every change of `stale` holds): makes seg stale
// if it is current and no thread holds it; says whether it did.
bool drop_copy_if_idle(segment &seg) noexcept {
  thread_record *expected = nullptr;
  if (seg.stale ||
      !seg.owner.compare_exchange_strong(expected, kReclaimerOwner, std::memory_order_acquire))
    return false;
  make_stale(seg);
  release_segment(seg);
  return true;
}

} // namespace

void drop_idle_copies() noexcept {
  std::lock_guard<std::mutex> lock(g_reclaim_lock);
  unsigned current = current_segments();
  for (unsigned i = 1; i <= g_heap.segments && current > 1; ++i)
    current -= drop_copy_if_idle(segment_at(i));
}

void reclaim_log() noexcept {
  std::unique_lock<std::mutex> lock(g_reclaim_lock, std::try_to_lock);
  if (!lock.owns_lock())
    return;
  unsigned current = current_segments();
  // Idle segments no thread is likely to want soon stop following the log
  // at once, whatever it costs: beyond the most segments threads have held at
  // once, and one more for a new thread, a program would pay an import per
  // segment per commit for nothing (the highest first: threads take the
  // lowest free segment).
  const unsigned wanted = most_segments_held() + 1;
  for (unsigned i = g_heap.segments; i >= 1 && current > wanted; --i)
    current -= drop_copy_if_idle(segment_at(i));
  std::uint64_t oldest_needed = ~std::uint64_t(0);
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    segment &seg = segment_at(i);
    // An idle segment follows the log here, so that it does not pin it...
    thread_record *expected = nullptr;
    if (seg.owner.compare_exchange_strong(expected, kReclaimerOwner, std::memory_order_acquire)) {
      if (!seg.stale) {
        const std::size_t pending = bytes_after(seg.last_seen.load(std::memory_order_relaxed));
        // ...unless that has cost more than copying the heap when it is needed
        // again. The last segment holding the committed state stays current.
        if (current > 1 && seg.idle_imported + pending > copy_cost()) {
          make_stale(seg);
          --current;
        } else {
          catch_up(seg);
          seg.idle_imported += pending;
        }
      }
      release_segment(seg);
    }
    if (!seg.stale)
      oldest_needed =
          std::min(oldest_needed, seg.last_seen.load(std::memory_order_acquire)->revision);
  }
  // Entries go back to their committers' pools in one chain per pool.
  std::size_t freed = 0;
  while (g_log_oldest->revision < oldest_needed) {
    commit_entry *e = g_log_oldest;
    g_log_oldest = e->next.load(std::memory_order_acquire);
    if (e == &g_log_root)
      continue;
    ++freed;
    entry_pool *pool = pool_of(e);
    if (!pool) {
      release_memory(e);
      continue;
    }
    entry_chain &c = g_chains[e->committer][pool - segment_at(e->committer).entries];
    e->recycled = c.first;
    c.first = e;
    if (!c.last)
      c.last = e;
  }
  g_entries_reclaimed.fetch_add(freed, std::memory_order_relaxed);
  for (unsigned i = 1; i <= g_heap.segments; ++i)
    for (unsigned cls = 0; cls < kEntryPoolClasses; ++cls)
      if (entry_chain &c = g_chains[i][cls]; c.first) {
        return_chain(segment_at(i).entries[cls], c.first, c.last);
        c = {};
      }
}

commit_entry *oldest_log_entry() noexcept { return g_log_oldest; }

std::size_t live_log_entries() noexcept {
  std::size_t made = 0, dropped = 0;
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    made += segment_at(i).stats.entries_made.get();
    dropped += segment_at(i).stats.entries_dropped.get();
  }
  return made - dropped - g_entries_reclaimed.load(std::memory_order_relaxed);
}

} // namespace stm::rt
