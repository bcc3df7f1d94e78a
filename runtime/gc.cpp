#include "gc.h"

#include "allocator.h"
#include "commit_log.h"
#include "conflict_report.h"
#include "diagnostics.h"
#include "heap.h"
#include "immortal.h"
#include "page_map.h"
#include "segment.h"
#include "shared_pages.h"
#include "sync.h"
#include "transaction.h"
#include "types.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <link.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

namespace stm::rt {
namespace {

// ------------------------------------------------------------------ state

std::mutex g_stats_lock;
std::atomic<std::size_t> g_allocated{0}; // bytes handed out since the last collection
std::size_t g_live_after_last = 0;
gc_statistics g_stats; // guarded by g_stats_lock

struct region {
  std::uintptr_t begin, end;
};
constexpr int kMaxRuntimeRegions = 16;
region g_runtime_regions[kMaxRuntimeRegions];
int g_runtime_region_count = 0;
// Tables in the runtime's writable data (note_runtime_table).
constexpr int kMaxRuntimeTables = 8;
region g_runtime_tables[kMaxRuntimeTables];
int g_runtime_table_count = 0;

// ------------------------------------------------------------------ marking

struct marker_state {
  std::vector<std::uintptr_t> work; // object starts, marked, not yet traced
  std::uintptr_t reservation_begin = 0, reservation_end = 0;
};

__attribute__((noinline)) void mark_object_at(marker_state &m, std::uintptr_t reference) {
  const std::uintptr_t start = object_containing(reference & g_heap.mask);
  if (start != 0 && mark_once(start))
    m.work.push_back(start);
}

// Inline: the scan for roots asks this of every word of the program's data,
// stacks and malloc heap, and few of them point into the managed heap.
inline void consider(marker_state &m, std::uintptr_t value) {
  if (value >= m.reservation_begin && value < m.reservation_end)
    mark_object_at(m, value);
}

void visit(void *ctx, const void *ref) {
  consider(*static_cast<marker_state *>(ctx), reinterpret_cast<std::uintptr_t>(ref));
}

// Any aligned word in the range that points into the managed heap keeps the
// object it points into alive. Reads memory the program owns, without
// synchronisation (stacks of threads blocked in calls, freed malloc blocks),
// so it must not be checked by AddressSanitizer or ThreadSanitizer.
__attribute__((no_sanitize("address", "thread"))) void
scan_words(marker_state &m, std::uintptr_t begin, std::uintptr_t end) {
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
  scan_words(m, reinterpret_cast<std::uintptr_t>(bytes),
             reinterpret_cast<std::uintptr_t>(bytes) + size);
}

// A backup or log record: a whole object, or a card of a large array (whose
// type cannot be used on its own: its words are scanned).
void trace_piece(marker_state &m, const unsigned char *bytes, std::size_t size, bool whole,
                 std::size_t header) {
  if (whole)
    trace_version(m, bytes, size, header);
  else
    scan_words(m, reinterpret_cast<std::uintptr_t>(bytes),
               reinterpret_cast<std::uintptr_t>(bytes) + size);
}

// Segments whose windows hold versions that a thread sees or will see: every
// segment that follows the log, held or idle. Idle ones count too: when no
// thread holds a segment (all blocked, or the collection is requested by a
// thread that never attached), only they hold the committed state. A stale
// segment's window is empty until it is copied from one of these.
bool holds_versions(const segment &seg) { return !seg.stale; }

void trace_object(marker_state &m, std::uintptr_t start) {
  const block_info &info = block_at(start);
  const std::size_t size = allocation_size(start);
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    const segment &seg = segment_at(i);
    if (holds_versions(seg))
      trace_version(m, reinterpret_cast<const unsigned char *>(seg.base + start), size,
                    info.header);
  }
}

// Old versions that a thread may still see: backups (restored on abort) and
// log records that a segment following the log has not imported yet (older
// records matter to no one: every such segment already holds what they wrote).
void mark_versions(marker_state &m) {
  std::uint64_t oldest_needed = ~std::uint64_t(0);
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    const segment &seg = segment_at(i);
    if (!holds_versions(seg))
      continue;
    for (const write_record &w : seg.tx.writes)
      trace_piece(m, w.backup, w.size, w.whole(), w.header);
    oldest_needed =
        std::min(oldest_needed, seg.last_seen.load(std::memory_order_relaxed)->revision);
  }
  // Objects under construction by a thread that holds no segment: only the
  // thread's copy has what the constructor wrote so far.
  for_each_thread_record([&](thread_record &t) {
    for (const thread_record::carried_object &c : t.carried)
      trace_version(m, c.bytes.data(), c.size, c.header);
  });
  for (commit_entry *e = oldest_log_entry(); !is_log_end(e);
       e = e->next.load(std::memory_order_acquire)) {
    if (e->revision <= oldest_needed)
      continue;
    log_record *r = e->first();
    for (std::uint32_t i = 0; i < e->records; ++i, r = r->next())
      if (!(r->flags & kRecordObjectDead))
        trace_piece(m, r->bytes(), r->size, r->whole(), r->header);
  }
}

// Calls scan(from, to) for the parts of [begin, end) that lie in none of
// `left_out`.
template <class Scan>
void for_each_part_outside(std::uintptr_t begin, std::uintptr_t end,
                           const std::vector<region> &left_out, Scan scan) {
  while (begin < end) {
    region next{end, end}; // the lowest region left out that [begin, end) meets
    for (const region &r : left_out)
      if (r.end > begin && r.begin < next.begin)
        next = {std::max(r.begin, begin), r.end};
    if (next.begin > begin)
      scan(begin, next.begin);
    begin = next.end;
  }
}

// The writable data of the loaded modules, found by dl_iterate_phdr.
struct data_scan {
  marker_state &m;
  std::vector<region> left_out;     // the runtime's own tables
  std::vector<region> scanned = {}; // the modules' writable segments
};

// How many modules were loaded and closed so far.
std::pair<unsigned long long, unsigned long long> module_counts() {
  std::pair<unsigned long long, unsigned long long> counts{};
  dl_iterate_phdr(
      [](struct dl_phdr_info *info, std::size_t, void *ctx) {
        *static_cast<std::pair<unsigned long long, unsigned long long> *>(ctx) = {info->dlpi_adds,
                                                                                  info->dlpi_subs};
        return 1; // every module gives the same counts
      },
      &counts);
  return counts;
}

int scan_loaded_object(struct dl_phdr_info *info, std::size_t, void *ctx) {
  auto &scan = *static_cast<data_scan *>(ctx);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto &ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W)) {
      const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr, end = begin + ph.p_memsz;
      for_each_part_outside(begin, end, scan.left_out, [&](std::uintptr_t from, std::uintptr_t to) {
        scan_words(scan.m, from, to);
      });
      scan.scanned.push_back({begin, end});
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

// The same for memory that may be unmapped while it is scanned: the
// collector's own frees may give the top of the malloc heap back, and
// threads that are not attached run on and may unmap what they own. It is
// copied first, as far as it is still mapped; a page no longer there is
// skipped.
// One collector runs at a time. The scan of the modules' data leaves it out,
// so what it last held is no root.
alignas(std::uintptr_t) unsigned char g_scan_copy[64 * 1024];

void scan_words_while_mapped(marker_state &m, std::uintptr_t begin, std::uintptr_t end) {
  unsigned char *copy = g_scan_copy;
  begin = round_up(begin, sizeof(void *));
  while (begin + sizeof(void *) <= end) {
    const std::size_t want = std::min<std::size_t>(sizeof g_scan_copy, end - begin);
    iovec local{copy, want}, remote{reinterpret_cast<void *>(begin), want};
    const ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    if (got < 0 && errno != EFAULT)
      return scan_words(m, begin, end); // not allowed here (a filter): read in place
    const std::size_t copied = got > 0 ? static_cast<std::size_t>(got) : 0;
    for (std::size_t i = 0; i + sizeof(void *) <= copied; i += sizeof(void *)) {
      std::uintptr_t word;
      std::memcpy(&word, copy + i, sizeof word);
      consider(m, word);
    }
    begin = copied == want ? begin + want : round_up(begin + copied + 1, kPage);
  }
}

// Anonymous writable memory: the malloc heap (std containers, closures of
// std::function and of queued tasks), stacks of threads that are not attached.
// `skip`: mappings left out whole; `scanned`: ranges left out exactly (the
// modules' data, scanned already: the part of a module's zero-initialised
// data past its file's last page is an anonymous mapping, which the kernel
// may merge with the malloc heap's).
void scan_anonymous_memory(marker_state &m, const std::vector<region> &skip,
                           const std::vector<region> &scanned) {
  FILE *maps = std::fopen("/proc/self/maps", "re");
  if (!maps)
    fatal("cannot read /proc/self/maps to find the program's memory");
  std::vector<region> regions;
  char line[512];
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
    regions.push_back({begin, end});
  }
  std::fclose(maps);
  page_map pages;
  for (const region &r : regions)
    pages.for_each_used_run(r.begin, r.end, [&](std::uintptr_t from, std::uintptr_t to) {
#ifdef STMIFY_TESTING
      if (auto *hook = g_scan_hook.load(); hook && hook(from, to))
        g_scan_hook.store(nullptr);
#endif
      for_each_part_outside(from, to, scanned, [&](std::uintptr_t part, std::uintptr_t part_end) {
        scan_words_while_mapped(m, part, part_end);
      });
    });
}

void mark(marker_state &m) {
  m.reservation_begin = g_heap.canonical;
  m.reservation_end = g_heap.end;

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
  data_scan data{m, {g_runtime_tables, g_runtime_tables + g_runtime_table_count}};
  data.left_out.push_back({reinterpret_cast<std::uintptr_t>(g_scan_copy),
                           reinterpret_cast<std::uintptr_t>(g_scan_copy + sizeof g_scan_copy)});
  const auto modules = module_counts();
  dl_iterate_phdr(scan_loaded_object, &data);
  scan_anonymous_memory(m, skip, data.scanned);
  // A thread that is not attached may have closed a module meanwhile, and
  // what was mapped at its addresses since was left out: read those again.
  if (module_counts() != modules)
    for (const region &r : data.scanned)
      scan_words_while_mapped(m, r.begin, r.end);
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

// The sweep zeroes the markers of the blocks it frees (a marker left there
// would read as a card's flag on a later array, whose write to that card
// would then be neither published nor undone). A running atomic transaction
// that read a dead object another has committed since would find the
// conflict at its next validation by that marker: it is doomed now instead,
// which is what that validation would conclude. (One that has only read so
// far would commit without validating, but it may still write.) Only dead
// objects' records count: conflicts on live ones keep their markers, and a
// transaction that only reads commits despite them (conflicting_record
// alone would doom it).
void doom_readers_of_dead_objects() {
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    segment &seg = segment_at(i);
    transaction_state &tx = seg.tx;
    if (tx.kind != tx_kind::atomic || tx.inevitable || tx.doomed)
      continue;
    const commit_entry *seen = seg.last_seen.load(std::memory_order_relaxed);
    for (commit_entry *e = seen->next.load(std::memory_order_acquire); !is_log_end(e) && !tx.doomed;
         e = e->next.load(std::memory_order_acquire)) {
      log_record *r = e->first();
      for (std::uint32_t k = 0; k < e->records; ++k, r = r->next()) {
        if (!(r->flags & kRecordObjectDead) ||
            *g_heap.marker(seg.base, r->header_offset()) != seg.read_version)
          continue;
        tx.doomed = true;
        if (g_observing)
          tx.conflict = describe_conflict(seg, *r);
        break;
      }
    }
  }
}

// A running transaction may have created or written objects that are garbage
// by now; publishing them (or restoring them on abort) would overwrite
// whatever takes their slots next.
void forget_dead_objects_in_transactions() {
  auto dead = [](std::uintptr_t start) { return !is_marked(start); };
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    segment &seg = segment_at(i);
    transaction_state &tx = seg.tx;
    std::erase_if(tx.created, [&](const created_record &c) { return dead(c.start); });
    std::erase_if(seg.constructing, [&](const created_record &c) { return dead(c.start); });
    const std::size_t before = tx.writes.size();
    // The sites of the writes (when reporting) stay parallel to them.
    const bool sites = tx.write_sites.size() == before;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < before; ++i) {
      const write_record &w = tx.writes[i];
      if (dead(w.object))
        continue; // a card's flag goes with the markers of the freed blocks
      if (sites)
        tx.write_sites[kept] = tx.write_sites[i];
      tx.writes[kept++] = w;
    }
    tx.writes.resize(kept);
    if (sites)
      tx.write_sites.resize(kept);
    if (kept != before)
      tx.forget_write_index();
  }
  for_each_thread_record([&](thread_record &t) {
    std::erase_if(t.carried, [&](const thread_record::carried_object &c) { return dead(c.start); });
  });
}

// Read markers take an eighth of what each segment read, per segment: with
// many segments they outgrow the heap (64 segments: eight times it). Only a
// running atomic transaction's markers are read again (validation checks no
// other), so when every current segment's markers could take more than the
// allocation budget (the live heap, and at least the floor), those of
// segments whose transaction is not atomic are given back. Below that,
// marking the pages again (a page fault each) costs more than the memory
// is worth: a churn of small objects on two segments ran 6 % slower.
void give_back_read_markers(std::size_t live_bytes) {
  const std::uintptr_t top = heap_top();
  const std::size_t current = current_segments();
  const std::size_t markers_each = (top - g_heap.heap_begin) / kGranule * kMarkerBytes;
  if (current * markers_each <= allocation_budget(live_bytes))
    return;
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    const segment &seg = segment_at(i);
    // A card's flag lies among the markers, and stays set until the
    // transaction that wrote the card ends.
    const auto wrote_a_card = [](const write_record &w) { return !w.whole(); };
    if (seg.stale || seg.tx.kind == tx_kind::atomic ||
        std::any_of(seg.tx.writes.begin(), seg.tx.writes.end(), wrote_a_card))
      continue;
    clear_markers(seg.base, top);
  }
}

// Runs with every thread stopped.
void collect_now() {
  const std::int64_t began = monotonic_ns();
  reclaim_log(); // brings idle segments up to date and frees what they had not seen
  marker_state m;
  mark(m);
  drop_dead_records();
  doom_readers_of_dead_objects();
  forget_dead_objects_in_transactions();
  sweep_result r = sweep(g_segments, g_heap.segments);
  share_equal_pages();
  give_back_read_markers(r.live_bytes);
  g_live_after_last = r.live_bytes;
  g_allocated.store(0, std::memory_order_relaxed);
  const auto pause = static_cast<std::uint64_t>(monotonic_ns() - began);
  if (g_observing)
    note_collection(began, static_cast<std::int64_t>(pause), r.live_bytes, r.freed_bytes);
  std::lock_guard<std::mutex> lock(g_stats_lock);
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

void note_runtime_table(const void *start, std::size_t bytes) noexcept {
  if (g_runtime_table_count == kMaxRuntimeTables)
    fatal("too many runtime tables");
  auto b = reinterpret_cast<std::uintptr_t>(start);
  g_runtime_tables[g_runtime_table_count++] = {b, b + bytes};
}

#ifdef STMIFY_TESTING
std::vector<std::pair<std::uintptr_t, std::uintptr_t>>
parts_outside(std::uintptr_t begin, std::uintptr_t end,
              const std::vector<std::pair<std::uintptr_t, std::uintptr_t>> &left_out) {
  std::vector<region> regions;
  for (const auto &[from, to] : left_out)
    regions.push_back({from, to});
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> parts;
  for_each_part_outside(begin, end, regions, [&](std::uintptr_t from, std::uintptr_t to) {
    parts.emplace_back(from, to);
  });
  return parts;
}
#endif

void note_allocated(std::size_t bytes) noexcept {
  g_allocated.fetch_add(bytes, std::memory_order_relaxed);
}

// Paced by the live heap, not by STMIFY_HEAP_LIMIT: the heap at most doubles
// between collections, so resident memory follows what the program keeps,
// and the limit is only a limit. The floor keeps a small heap from being
// collected all the time.
std::size_t allocation_budget(std::size_t live_bytes) noexcept {
  constexpr std::size_t kFloor = std::size_t(8) << 20;
  return std::max(std::min(kFloor, g_heap.heap_limit / 8), live_bytes);
}

bool collection_due() noexcept {
  return g_allocated.load(std::memory_order_relaxed) >= allocation_budget(g_live_after_last);
}

void collect_garbage(const char * /*reason*/) noexcept {
  with_world_stopped([](void *) { collect_now(); }, nullptr);
}

#ifdef STMIFY_TESTING
std::atomic<bool (*)(std::uintptr_t, std::uintptr_t)> g_scan_hook{nullptr};
#endif

gc_statistics gc_stats() noexcept {
  std::lock_guard<std::mutex> lock(g_stats_lock);
  return g_stats;
}

} // namespace stm::rt
