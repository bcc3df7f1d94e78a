#include "testing.h"

#include "allocator.h"
#include "commit_log.h"
#include "conflict_report.h"
#include "diagnostics.h"
#include "gc.h"
#include "heap.h"
#include "page_map.h"
#include "segment.h"
#include "setup.h"
#include "shared_pages.h"
#include "sync.h"
#include "threads.h"
#include "transaction.h"
#include "types.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace stm::testing {

using rt::thread_record;

struct thread : thread_record {};

thread *new_thread() {
  rt::ensure_runtime();
  thread_record *r = rt::new_thread_record();
  r->view = &r->saved_view;
  r->saved_view = _stm_thread_view{};
  r->saved_view.thread = r;
  return static_cast<thread *>(r);
}

void switch_to(thread *t) {
  if (thread_record *now = rt::current_thread()) {
    now->saved_view = _stm_tls;
    now->view = &now->saved_view;
    rt::enter_stopped(*now, nullptr); // its stack is the one now running
  }
  if (!t) {
    _stm_tls = _stm_thread_view{};
    return;
  }
  _stm_tls = t->saved_view;
  t->view = &_stm_tls;
  _stm_tls.thread = t;
  if (t->seg)
    rt::leave_stopped(*t);
}

thread *current() { return static_cast<thread *>(rt::current_thread()); }

// Hooks that run the runtime's own code enter its scope, as the C ABI does:
// otherwise the runtime's locks, taken by a program thread, pass through the
// interceptors as the program's (an unlock of the allocator's lock while
// detaching publishes again, inside the publication, and waits for that lock).
void detach_current() {
  rt::runtime_scope scope;
  if (thread_record *t = rt::current_thread())
    rt::detach(*t);
}

void never_block(bool on) { rt::g_never_block = on; }

void in_next_slot_release(void (*hook)()) { rt::g_slot_release_hook.store(hook); }
void in_next_scan(bool (*hook)(std::uintptr_t, std::uintptr_t)) { rt::g_scan_hook.store(hook); }
std::pair<const void *, std::size_t> type_table() { return rt::type_table(); }
std::vector<std::pair<std::uintptr_t, std::uintptr_t>>
parts_outside(std::uintptr_t begin, std::uintptr_t end,
              const std::vector<std::pair<std::uintptr_t, std::uintptr_t>> &left_out) {
  return rt::parts_outside(begin, end, left_out);
}

unsigned current_segment() {
  thread_record *t = rt::current_thread();
  return t && t->seg ? t->seg->index : 0;
}

void skip_read_versions_to(unsigned version) {
  thread_record *t = rt::current_thread(); // settles a block begun quickly
  if (!t || !t->seg || t->seg->tx.kind != rt::tx_kind::ambient || version <= t->seg->read_version ||
      version > rt::kLastReadVersion)
    rt::fatal("skip_read_versions_to(%u): not between atomic blocks, or not ahead", version);
  t->seg->read_version = static_cast<rt::read_marker>(version);
  t->view->read_version = static_cast<_stm_read_version_t>(version);
}

bool header_was_read(const void *header) {
  thread_record *t = rt::current_thread();
  if (!t || !t->seg)
    return false;
  return *rt::g_heap.marker(t->seg->base, rt::g_heap.offset(header)) == t->seg->read_version;
}

bool header_was_written(const void *header) {
  thread_record *t = rt::current_thread();
  if (!t || !t->seg)
    return false;
  const std::uintptr_t off = rt::g_heap.offset(header);
  const auto &writes = t->seg->tx.writes;
  return std::any_of(writes.begin(), writes.end(),
                     [&](const rt::write_record &w) { return w.start + w.header == off; });
}

std::size_t backed_up_bytes() {
  thread_record *t = rt::current_thread();
  std::size_t bytes = 0;
  if (t && t->seg)
    for (const rt::write_record &w : t->seg->tx.writes)
      bytes += w.size;
  return bytes;
}

std::size_t backed_up_pieces() {
  thread_record *t = rt::current_thread();
  return t && t->seg ? t->seg->tx.writes.size() : 0;
}

std::size_t preserved_locals() {
  thread_record *t = rt::current_thread();
  return t && t->seg && t->seg->tx.uses_rare() ? t->seg->tx.rare().preserved.size() : 0;
}

std::size_t write_index_slots() {
  thread_record *t = rt::current_thread();
  return t && t->seg ? t->seg->tx.written_at.bucket_count() : 0;
}

bool in_runtime_code() {
  const thread_record *t = rt::current_thread();
  return t && t->runtime_depth > 0;
}

std::size_t log_entries() { return rt::live_log_entries(); }

std::size_t log_entry_bytes() {
  std::size_t bytes = 0;
  for (rt::commit_entry *e = rt::oldest_log_entry(); !rt::is_log_end(e);
       e = e->next.load(std::memory_order_acquire))
    if (e != &rt::g_log_root)
      bytes += sizeof(rt::commit_entry) + e->capacity;
  return bytes;
}

std::string conflict_report(unsigned top) {
  char *text = nullptr;
  std::size_t size = 0;
  std::FILE *out = open_memstream(&text, &size);
  if (!out)
    return "";
  rt::write_conflict_report(out, top);
  std::fclose(out);
  std::string report(text, size);
  std::free(text);
  return report;
}

void reset_conflict_report() { rt::reset_conflict_report(); }

bool segment_is_stale(unsigned i) { return rt::segment_at(i).stale; }

// (A blocked lock of the segment lock would make the thread wait for a
// segment while holding that lock.)
void make_idle_segments_stale() {
  rt::runtime_scope scope;
  rt::drop_idle_copies();
}

unsigned forget_most_segments_held() { return rt::forget_most_segments_held(); }

void suspend_current() {
  rt::runtime_scope scope;
  rt::suspend_inevitable(*rt::current_thread()->seg);
}
void resume_current() {
  rt::runtime_scope scope;
  rt::resume_inevitable(*rt::current_thread()->seg);
}

heap_memory heap_memory_now() {
  heap_memory m;
  rt::page_map map;
  const std::uintptr_t top = rt::heap_top();
  constexpr std::size_t kBatch = 512;
  std::uint64_t entries[kBatch];
  for (unsigned i = 1; i <= rt::g_heap.segments; ++i) {
    const std::uintptr_t base = rt::segment_at(i).base;
    for (std::uintptr_t off = rt::g_heap.heap_begin; off < top; off += kBatch * rt::kPage) {
      const std::size_t pages = std::min(kBatch, (top - off) / rt::kPage);
      if (!map.read(base + off, pages, entries))
        std::abort();
      for (std::size_t p = 0; p < pages; ++p)
        m.private_bytes += rt::page_is_private_copy(entries[p]) ? rt::kPage : 0;
    }
    const rt::page_range markers = rt::marker_pages(base, top);
    map.for_each_used_run(markers.from, markers.to, [&](std::uintptr_t from, std::uintptr_t to) {
      m.marker_bytes += to - from;
    });
  }
  m.file_bytes = rt::heap_file_bytes();
  return m;
}

bool allocated_at(const void *object_start) {
  const std::uintptr_t off = rt::g_heap.offset(object_start);
  return rt::object_containing(off) == off;
}
void reclaim_log() {
  rt::runtime_scope scope;
  rt::reclaim_log();
}

} // namespace stm::testing
