#include "commit_log.h"

#include "diagnostics.h"
#include "heap.h"
#include "internal_memory.h"
#include "segment.h"
#include "threads.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace stm::rt {

commit_entry g_log_root;

namespace {

std::mutex g_reclaim_lock;
commit_entry *g_log_oldest = &g_log_root; // guarded by g_reclaim_lock
std::atomic<std::size_t> g_live_entries{0};

} // namespace

namespace {

constexpr std::size_t kPooledPayload = 1024 - sizeof(commit_entry);

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
  if (payload <= kPooledPayload) {
    capacity = kPooledPayload;
    e = take_pooled(committer.entries);
  }
  if (!e)
    e = static_cast<commit_entry *>(internal_allocate(sizeof(commit_entry) + capacity));
  g_live_entries.fetch_add(1, std::memory_order_relaxed);
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

bool pooled(const commit_entry *e) { return e->capacity == kPooledPayload && e->committer != 0; }

void release_memory(commit_entry *e) noexcept {
  const std::size_t bytes = sizeof(commit_entry) + e->capacity;
  e->~commit_entry();
  internal_free(e, bytes);
}

} // namespace

void free_entry(commit_entry *e) noexcept {
  g_live_entries.fetch_sub(1, std::memory_order_relaxed);
  if (pooled(e))
    return_chain(segment_at(e->committer).entries, e, e);
  else
    release_memory(e);
}

bool conflicts(const segment &seg, commit_entry &e) noexcept {
  log_record *r = e.first();
  for (std::uint32_t i = 0; i < e.records; ++i, r = r->next())
    if (*g_heap.marker(seg.base, r->start + r->header) == seg.read_version)
      return true;
  return false;
}

void import_entry(const segment &seg, commit_entry &e) noexcept {
  log_record *r = e.first();
  for (std::uint32_t i = 0; i < e.records; ++i, r = r->next())
    if (!(r->flags & kRecordObjectDead))
      std::memcpy(reinterpret_cast<void *>(seg.base + r->start), r->bytes(), r->size);
}

void reclaim_log() noexcept {
  std::unique_lock<std::mutex> lock(g_reclaim_lock, std::try_to_lock);
  if (!lock.owns_lock())
    return;
  std::uint64_t oldest_needed = ~std::uint64_t(0);
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    segment &seg = segment_at(i);
    // An idle segment is brought up to date here, so it does not pin the log.
    thread_record *expected = nullptr;
    if (seg.owner.compare_exchange_strong(expected, kReclaimerOwner, std::memory_order_acquire)) {
      catch_up_idle_segment(seg);
      release_segment(seg);
    }
    std::uint64_t rev = seg.last_seen.load(std::memory_order_acquire)->revision;
    if (rev < oldest_needed)
      oldest_needed = rev;
  }
  // Entries go back to their committers' pools in one chain per segment.
  struct chain {
    commit_entry *first = nullptr, *last = nullptr;
  };
  chain chains[kMaxSegments + 1];
  std::size_t freed = 0;
  while (g_log_oldest->revision < oldest_needed) {
    commit_entry *e = g_log_oldest;
    g_log_oldest = e->next.load(std::memory_order_acquire);
    if (e == &g_log_root)
      continue;
    ++freed;
    if (!pooled(e)) {
      release_memory(e);
      continue;
    }
    chain &c = chains[e->committer];
    e->recycled = c.first;
    c.first = e;
    if (!c.last)
      c.last = e;
  }
  g_live_entries.fetch_sub(freed, std::memory_order_relaxed);
  for (unsigned i = 1; i <= g_heap.segments; ++i)
    if (chains[i].first)
      return_chain(segment_at(i).entries, chains[i].first, chains[i].last);
}

commit_entry *oldest_log_entry() noexcept { return g_log_oldest; }

std::size_t live_log_entries() noexcept { return g_live_entries.load(std::memory_order_relaxed); }

} // namespace stm::rt
