#include "threads.h"

#include "allocator.h"
#include "commit_log.h"
#include "diagnostics.h"
#include "faults.h"
#include "gc.h"
#include "heap.h"
#include "immortal.h"
#include "internal_memory.h"
#include "segment.h"
#include "transaction.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <pthread.h>

__thread struct _stm_thread_view _stm_tls;

namespace stm::rt {

bool g_never_block = false;
segment *g_segments = nullptr;

namespace {

// Records are pooled, never freed: another thread may still hold a pointer to
// an exited thread's record (to poke it), and must find it harmless.
std::mutex g_registry_lock;
thread_record *g_free_records = nullptr;
struct registry_tag;
std::vector<thread_record *> &all_records() {
  return immortal<std::vector<thread_record *>, registry_tag>();
}

std::mutex g_segment_lock;
std::atomic<std::size_t> g_segment_queue_size{0};

struct segment_wait_tag;
std::condition_variable &segment_cv() {
  return immortal<std::condition_variable, segment_wait_tag>();
}
// Threads waiting for a segment, first come first served.
std::deque<thread_record *> &segment_queue() {
  return immortal<std::deque<thread_record *>, segment_wait_tag>();
}

pthread_key_t g_exit_key;
pthread_once_t g_runtime_once = PTHREAD_ONCE_INIT;

void on_thread_exit(void *record) noexcept;

void setup_runtime() {
  ensure_setup();
  setup_allocator();
  setup_internal_memory();
  g_segments = new segment[g_heap.segments + 1];
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    g_segments[i].index = i;
    g_segments[i].base = g_heap.window(i);
  }
  if (pthread_key_create(&g_exit_key, on_thread_exit) != 0)
    fatal("cannot create the thread-exit key");
  install_fault_handler();
}

void load_view(thread_record &t, segment &seg) noexcept {
  t.view->segment_base = seg.base;
  t.view->offset_mask = g_heap.mask;
  t.view->read_version = static_cast<_stm_read_version_t>(seg.read_version);
  t.view->safe_point_countdown = static_cast<std::int32_t>(g_config.safe_point_interval);
}

void clear_view(thread_record &t) noexcept {
  t.view->segment_base = 0;
  t.view->offset_mask = 0;
  t.view->safe_point_countdown = 0; // the next safe point attaches again
}

bool try_take(thread_record &t, segment &seg) noexcept {
  thread_record *expected = nullptr;
  return seg.owner.compare_exchange_strong(expected, &t, std::memory_order_seq_cst);
}

segment &acquire_segment(thread_record &t) noexcept {
  // Waiting threads are served first, in order.
  if (g_segment_queue_size.load(std::memory_order_seq_cst) == 0) {
    if (t.preferred && try_take(t, segment_at(t.preferred)))
      return segment_at(t.preferred);
    for (unsigned i = 1; i <= g_heap.segments; ++i)
      if (try_take(t, segment_at(i)))
        return segment_at(i);
  }
  std::unique_lock<std::mutex> lock(g_segment_lock);
  for (unsigned i = 1; i <= g_heap.segments; ++i)
    if (try_take(t, segment_at(i)))
      return segment_at(i);
  if (g_never_block)
    fatal("test mode: no free segment (all %u are held)", g_heap.segments);
  t.granted = nullptr;
  segment_queue().push_back(&t);
  g_segment_queue_size.fetch_add(1, std::memory_order_seq_cst);
  wait_stopped(t, [&] { segment_cv().wait(lock, [&] { return t.granted != nullptr; }); });
  segment &seg = *t.granted;
  t.granted = nullptr;
  return seg;
}

void take_segment(thread_record &t) noexcept {
  segment &seg = acquire_segment(t);
  if (seg.stale)
    refresh_stale_segment(seg);
  seg.idle_imported = 0;
  leave_stopped(t); // after any collection in progress
  t.seg = &seg;
  t.preferred = seg.index;
  load_view(t, seg);
  begin_ambient(t);
}

void remember_stack(thread_record &t) noexcept {
  pthread_attr_t attr;
  void *lo = nullptr;
  std::size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &lo, &size);
    pthread_attr_destroy(&attr);
  }
  t.stack_mapping_lo = lo;
  t.stack_hi = static_cast<char *>(lo) + size;
}

void on_thread_exit(void *record) noexcept {
  auto *t = static_cast<thread_record *>(record);
  if (t->seg)
    detach(*t);
  enter_stopped(*t, nullptr);
  std::lock_guard<std::mutex> lock(g_registry_lock);
  t->view = nullptr;
  t->in_use = false;
  t->pending_tasks.clear();
  t->stack_hi = t->stack_mapping_lo = nullptr;
  t->next_free = g_free_records;
  g_free_records = t;
  _stm_tls.thread = nullptr;
}

} // namespace

void ensure_runtime() noexcept { pthread_once(&g_runtime_once, setup_runtime); }

thread_record *new_thread_record() noexcept {
  ensure_runtime();
  std::lock_guard<std::mutex> lock(g_registry_lock);
  thread_record *t = g_free_records;
  if (t) {
    g_free_records = t->next_free;
    t->~thread_record();
    new (t) thread_record();
  } else {
    t = new thread_record();
    all_records().push_back(t);
  }
  t->in_use = true;
  remember_stack(*t);
  return t;
}

thread_record &attached_thread() noexcept {
  thread_record *t = current_thread();
  if (!t) {
    t = new_thread_record();
    t->view = &_stm_tls;
    _stm_tls.thread = t;
    pthread_setspecific(g_exit_key, t);
  }
  if (!t->seg)
    take_segment(*t);
  return *t;
}

__attribute__((noinline)) void detach(thread_record &t) noexcept {
  if (!t.seg)
    return;
  end_ambient(t);
  segment &seg = *t.seg;
  t.seg = nullptr;
  clear_view(t);
  volatile char here = 0;
  enter_stopped(t, const_cast<const char *>(&here));
  release_segment(seg);
}

void reattach(thread_record &t) noexcept {
  if (!t.seg)
    take_segment(t);
}

void release_segment(segment &seg) noexcept {
  std::lock_guard<std::mutex> lock(g_segment_lock);
  if (segment_queue().empty()) {
    seg.owner.store(nullptr, std::memory_order_seq_cst);
    return;
  }
  thread_record *next = segment_queue().front();
  segment_queue().pop_front();
  g_segment_queue_size.fetch_sub(1, std::memory_order_seq_cst);
  seg.owner.store(next, std::memory_order_seq_cst);
  next->granted = &seg;
  segment_cv().notify_all();
}

bool segment_waiters() noexcept {
  return g_segment_queue_size.load(std::memory_order_relaxed) != 0;
}

void catch_up_idle_segment(segment &seg) noexcept { validate(seg); }

void poke_locked(thread_record *t) noexcept {
  if (t && t->view)
    __atomic_store_n(&t->view->safe_point_countdown, 0, __ATOMIC_RELAXED);
}

void poke(thread_record *t) noexcept {
  std::lock_guard<std::mutex> lock(g_registry_lock);
  poke_locked(t);
}

void for_each_thread_record(void (*f)(thread_record &, void *), void *ctx) noexcept {
  std::lock_guard<std::mutex> lock(g_registry_lock);
  for (thread_record *t : all_records())
    if (t->in_use)
      f(*t, ctx);
}

} // namespace stm::rt
