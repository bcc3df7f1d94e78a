#include "commit_log.h"

#include "diagnostics.h"
#include "heap.h"
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

commit_entry *new_entry(std::size_t payload) {
  void *memory = std::aligned_alloc(alignof(commit_entry), sizeof(commit_entry) + payload);
  if (!memory)
    fatal("out of memory for a commit-log entry of %zu bytes", payload);
  auto *e = new (memory) commit_entry();
  e->payload = payload;
  g_live_entries.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void free_entry(commit_entry *e) noexcept {
  e->~commit_entry();
  std::free(e);
  g_live_entries.fetch_sub(1, std::memory_order_relaxed);
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
  while (g_log_oldest->revision < oldest_needed) {
    commit_entry *next = g_log_oldest->next.load(std::memory_order_acquire);
    if (g_log_oldest != &g_log_root)
      free_entry(g_log_oldest);
    g_log_oldest = next;
  }
}

std::size_t live_log_entries() noexcept { return g_live_entries.load(std::memory_order_relaxed); }

} // namespace stm::rt
