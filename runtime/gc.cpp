#include "gc.h"

#include "allocator.h"
#include "commit_log.h"
#include "diagnostics.h"
#include "heap.h"
#include "immortal.h"
#include "segment.h"
#include "threads.h"
#include "types.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <link.h>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace stm::rt {
namespace {

// ------------------------------------------------------------------ state

std::mutex g_gc_lock;
struct gc_tag;
std::condition_variable &gc_cv() { return immortal<std::condition_variable, gc_tag>(); }
bool g_collecting = false;            // guarded by g_gc_lock
std::atomic<bool> g_requested{false}; // read at safe points
unsigned g_running = 0;               // threads not stopped; guarded by g_gc_lock

std::atomic<std::size_t> g_allocated{0}; // bytes handed out since the last collection
std::size_t g_live_after_last = 0;
gc_statistics g_stats;                  // guarded by g_gc_lock

struct region {
  std::uintptr_t begin, end;
};
constexpr int kMaxRuntimeRegions = 16;
region g_runtime_regions[kMaxRuntimeRegions];
int g_runtime_region_count = 0;

// ------------------------------------------------------------------ marking

struct marker_state {
  std::vector<std::uintptr_t> work; // object starts, marked, not yet traced
  std::uintptr_t reservation_begin = 0, reservation_end = 0;
};

void consider(marker_state &m, std::uintptr_t value) {
  if (value < m.reservation_begin || value >= m.reservation_end)
    return;
  const std::uintptr_t start = object_containing(value & g_heap.mask);
  if (start == 0 || is_marked(start))
    return;
  set_marked(start);
  m.work.push_back(start);
}

void visit(void *ctx, const void *ref) {
  consider(*static_cast<marker_state *>(ctx), reinterpret_cast<std::uintptr_t>(ref));
}

// Any aligned word in the range that points into the managed heap keeps the
// object it points into alive. Reads memory the program owns, so it must not
// be checked by AddressSanitizer.
__attribute__((no_sanitize("address"))) void scan_words(marker_state &m, std::uintptr_t begin,
                                                        std::uintptr_t end) {
  begin = round_up(begin, sizeof(void *));
  for (std::uintptr_t p = begin; p + sizeof(void *) <= end; p += sizeof(void *))
    consider(m, *reinterpret_cast<const std::uintptr_t *>(p));
}

// One version of an object (in a segment window, a backup or a log record):
// traced through its type's trace function, or word by word if its type is not
// known yet (an object under construction).
void trace_version(marker_state &m, const unsigned char *bytes, std::size_t size,
                   std::size_t header) {
  const auto *h = reinterpret_cast<const stm_object_t *>(bytes + header);
  const stm_type_descriptor_t *type = type_of(h->stm_tid);
  if (type && type->header_offset == header && type->size <= size) { // size 0: variable
    if (type->trace)
      type->trace(bytes, visit, &m);
    return;
  }
  scan_words(m, reinterpret_cast<std::uintptr_t>(bytes), reinterpret_cast<std::uintptr_t>(bytes) + size);
}

// A backup or log record: a whole object, or a card of a large array (whose
// type cannot be used on its own: its words are scanned).
void trace_piece(marker_state &m, const unsigned char *bytes, std::size_t size, bool whole,
                 std::size_t header) {
  if (whole)
    trace_version(m, bytes, size, header);
  else
    scan_words(m, reinterpret_cast<std::uintptr_t>(bytes), reinterpret_cast<std::uintptr_t>(bytes) + size);
}

bool active(const segment &seg) {
  thread_record *owner = seg.owner.load(std::memory_order_acquire);
  return owner != nullptr && owner != kReclaimerOwner;
}

void trace_object(marker_state &m, std::uintptr_t start) {
  const block_info &info = block_at(start);
  const std::size_t size = allocation_size(start);
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    const segment &seg = segment_at(i);
    if (active(seg))
      trace_version(m, reinterpret_cast<const unsigned char *>(seg.base + start), size, info.header);
  }
}

// Old versions that a thread may still see: backups (restored on abort) and
// log records that an active segment has not imported yet. (Idle segments are
// brought up to date before marking, so older records matter to no one: every
// active segment already holds what they wrote.)
void mark_versions(marker_state &m) {
  std::uint64_t oldest_needed = ~std::uint64_t(0);
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    const segment &seg = segment_at(i);
    if (!active(seg))
      continue;
    for (const write_record &w : seg.tx.writes)
      trace_piece(m, w.backup, w.size, w.whole(), w.header);
    oldest_needed = std::min(oldest_needed, seg.last_seen.load(std::memory_order_relaxed)->revision);
  }
  for (commit_entry *e = oldest_log_entry(); e && e != kInevitable;
       e = e->next.load(std::memory_order_acquire)) {
    if (e->revision <= oldest_needed)
      continue;
    log_record *r = e->first();
    for (std::uint32_t i = 0; i < e->records; ++i, r = r->next())
      if (!(r->flags & kRecordObjectDead))
        trace_piece(m, r->bytes(), r->size, r->whole(), r->header);
  }
}

int scan_loaded_object(struct dl_phdr_info *info, std::size_t, void *ctx) {
  auto &m = *static_cast<marker_state *>(ctx);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto &ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W)) {
      std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
      scan_words(m, begin, begin + ph.p_memsz);
    }
  }
  return 0;
}

bool excluded(const std::vector<region> &skip, std::uintptr_t begin, std::uintptr_t end) {
  for (const region &r : skip)
    if (begin < r.end && end > r.begin)
      return true;
  return false;
}

// Anonymous writable memory: the malloc heap (std containers, closures of
// std::function and of queued tasks), stacks of threads that are not attached.
// Only resident pages are read.
void scan_anonymous_memory(marker_state &m, const std::vector<region> &skip) {
  FILE *maps = std::fopen("/proc/self/maps", "re");
  if (!maps)
    fatal("cannot read /proc/self/maps to find the program's memory");
  char line[512];
  std::vector<unsigned char> resident;
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long begin, end, inode;
    char perms[8] = {};
    int path = 0;
    if (std::sscanf(line, "%lx-%lx %7s %*x %*x:%*x %lu %n", &begin, &end, perms, &inode, &path) < 4)
      continue;
    const char *name = line + path;
    const bool anonymous = inode == 0 && (name[0] == '\n' || name[0] == '\0' || name[0] == '[');
    if (!anonymous || perms[0] != 'r' || perms[1] != 'w' || std::strncmp(name, "[vvar", 5) == 0)
      continue;
    if (end - begin > (std::uintptr_t(1) << 40) || excluded(skip, begin, end))
      continue;
    const std::size_t pages = (end - begin) / kPage;
    resident.resize(pages);
    if (mincore(reinterpret_cast<void *>(begin), end - begin, resident.data()) != 0)
      continue;
    for (std::size_t p = 0; p < pages; ++p)
      if (resident[p] & 1)
        scan_words(m, begin + p * kPage, begin + (p + 1) * kPage);
  }
  std::fclose(maps);
}

void mark(marker_state &m) {
  m.reservation_begin = g_heap.canonical;
  m.reservation_end = g_heap.canonical + (g_heap.segments + 1) * g_heap.window_size;

  std::vector<region> skip(g_runtime_regions, g_runtime_regions + g_runtime_region_count);
  skip.push_back({m.reservation_begin, m.reservation_end});
  for_each_thread_record([&](thread_record &t) {
    if (t.stack_hi)
      skip.push_back({reinterpret_cast<std::uintptr_t>(t.stack_mapping_lo),
                      reinterpret_cast<std::uintptr_t>(t.stack_hi)});
    if (t.stack_lo && t.stack_hi)
      scan_words(m, reinterpret_cast<std::uintptr_t>(t.stack_lo),
                 reinterpret_cast<std::uintptr_t>(t.stack_hi));
  });
  dl_iterate_phdr(scan_loaded_object, &m);
  scan_anonymous_memory(m, skip);
  mark_versions(m);
  while (!m.work.empty()) {
    std::uintptr_t start = m.work.back();
    m.work.pop_back();
    trace_object(m, start);
  }
}

// A segment that has not imported a log record yet would copy it in later:
// for an object about to be freed, that would overwrite whatever takes its
// slot next.
void drop_dead_records() {
  for_each_log_record([](log_record &r) {
    if (object_containing(r.object) != r.object || !is_marked(r.object))
      r.flags |= kRecordObjectDead;
  });
}

// A running transaction may have created or written objects that are garbage
// by now; publishing them (or restoring them on abort) would overwrite
// whatever takes their slots next.
void forget_dead_objects_in_transactions() {
  auto dead = [](std::uintptr_t start) { return !is_marked(start); };
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    transaction_state &tx = segment_at(i).tx;
    std::erase_if(tx.created, [&](const created_record &c) { return dead(c.start); });
    std::erase_if(tx.writes, [&](const write_record &w) { return dead(w.object); });
  }
}

// Runs with every thread stopped.
void collect_now() {
  const auto began = std::chrono::steady_clock::now();
  reclaim_log(); // brings idle segments up to date and frees what they had not seen
  marker_state m;
  mark(m);
  drop_dead_records();
  forget_dead_objects_in_transactions();
  sweep_result r = sweep(g_segments, g_heap.segments);
  g_live_after_last = r.live_bytes;
  g_allocated.store(0, std::memory_order_relaxed);
  const auto pause = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began)
          .count());
  ++g_stats.collections;
  g_stats.total_pause_ns += pause;
  g_stats.max_pause_ns = std::max(g_stats.max_pause_ns, pause);
  g_stats.live_bytes = r.live_bytes;
  g_stats.freed_bytes += r.freed_bytes;
}

} // namespace

void note_runtime_region(const void *start, std::size_t bytes) noexcept {
  if (g_runtime_region_count == kMaxRuntimeRegions)
    fatal("too many runtime regions");
  auto b = reinterpret_cast<std::uintptr_t>(start);
  g_runtime_regions[g_runtime_region_count++] = {b, b + bytes};
}

void note_allocated(std::size_t bytes) noexcept {
  g_allocated.fetch_add(bytes, std::memory_order_relaxed);
}

bool collection_due() noexcept {
  const std::size_t threshold = std::max(g_heap.heap_limit / 8, g_live_after_last);
  return g_allocated.load(std::memory_order_relaxed) >= threshold;
}

bool collection_requested() noexcept { return g_requested.load(std::memory_order_acquire); }

void enter_stopped(thread_record &t, const void *stack_pointer) noexcept {
  std::lock_guard<std::mutex> lock(g_gc_lock);
  t.stack_lo = stack_pointer;
  if (!t.running)
    return;
  t.running = false;
  --g_running;
  gc_cv().notify_all();
}

void leave_stopped(thread_record &t) noexcept {
  std::unique_lock<std::mutex> lock(g_gc_lock);
  if (t.running)
    return;
  gc_cv().wait(lock, [] { return !g_collecting; });
  t.running = true;
  t.stack_lo = nullptr;
  ++g_running;
}

__attribute__((noinline)) void park_for_collection(thread_record &t) noexcept {
  __builtin_unwind_init(); // callee-saved registers go to this frame, which is scanned
  volatile char here = 0;
  enter_stopped(t, const_cast<const char *>(&here));
  leave_stopped(t);
}

__attribute__((noinline)) bool with_world_stopped(void (*fn)(void *), void *ctx) noexcept {
  __builtin_unwind_init(); // this thread's own stack is scanned from this frame
  volatile char here = 0;
  thread_record *me = current_thread();
  const bool was_running = me && me->running;
  {
    std::unique_lock<std::mutex> lock(g_gc_lock);
    if (g_collecting) { // someone else stops the world: wait until it resumes
      if (me)
        me->stack_lo = const_cast<const char *>(&here);
      if (was_running) {
        me->running = false;
        --g_running;
        gc_cv().notify_all();
      }
      gc_cv().wait(lock, [] { return !g_collecting; });
      if (was_running) {
        me->running = true;
        ++g_running;
      }
      return false;
    }
    g_collecting = true;
    g_requested.store(true, std::memory_order_release);
  }
  if (me)
    enter_stopped(*me, const_cast<const char *>(&here));
  for_each_thread_record([](thread_record &t) {
    if (t.running)
      poke_locked(&t);
  });
  {
    std::unique_lock<std::mutex> lock(g_gc_lock);
    gc_cv().wait(lock, [] { return g_running == 0; });
    fn(ctx);
    g_collecting = false;
    g_requested.store(false, std::memory_order_release);
    gc_cv().notify_all();
  }
  if (was_running)
    leave_stopped(*me);
  return true;
}

void collect_garbage(const char * /*reason*/) noexcept {
  with_world_stopped([](void *) { collect_now(); }, nullptr);
}

gc_statistics gc_stats() noexcept {
  std::lock_guard<std::mutex> lock(g_gc_lock);
  return g_stats;
}

} // namespace stm::rt

using namespace stm::rt;

void stm_collect(void) noexcept {
  ensure_runtime();
  collect_garbage("requested");
}
