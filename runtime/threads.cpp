#include "threads.h"

#include "commit_log.h"
#include "diagnostics.h"
#include "event_log.h"
#include "heap.h"
#include "sanitizer.h"
#include "segment.h"
#include "setup.h"
#include "sync.h"
#include "transaction.h"

#include <pthread.h>

__thread struct _stm_thread_view _stm_tls;

namespace stm::rt {
namespace {

pthread_key_t g_exit_key;

void load_view(thread_record &t, segment &seg) noexcept {
  t.view->segment_base = static_cast<_stm_segment_word_t>(seg.base);
  t.view->read_view_base = seg.base; // the sanitizer's views: open_views
  t.view->write_view_base = seg.base;
  t.view->offset_mask = static_cast<_stm_segment_word_t>(g_heap.mask);
  t.view->read_version = static_cast<_stm_read_version_t>(seg.read_version);
  _stm_set_countdown(t.view, static_cast<std::int32_t>(g_config.safe_point_interval));
}

void clear_view(thread_record &t) noexcept {
  t.view->segment_base = _stm_segment_word_t{};
  t.view->read_view_base = 0;
  t.view->write_view_base = 0;
  t.view->offset_mask = _stm_segment_word_t{};
  _stm_set_countdown(t.view, 0); // the next safe point attaches again
}

void take_segment(thread_record &t) noexcept {
  segment &seg = acquire_segment(t);
  leave_stopped(t); // after any stop of the world in progress
  const bool refreshed = seg.stale;
  if (refreshed)
    refresh_stale_segment(t, seg);
  unpack_constructing(t, seg, refreshed || t.pinned != seg.index);
  seg.idle_imported = 0;
  t.seg = &seg;
  note_segment_taken();
  t.preferred = seg.index;
  t.pinned = 0;
  load_view(t, seg);
  begin_ambient(t);
}

void on_thread_exit(void *record) noexcept {
  auto *t = static_cast<thread_record *>(record);
  {
    runtime_scope scope;
    if (t->seg)
      detach_at(*t, nullptr);
    enter_stopped(*t, nullptr);
  }
  // From here on another thread may take the record: this one must not
  // touch it again.
  _stm_tls.thread = nullptr;
  retire_thread_record(*t);
}

} // namespace

void setup_threads() noexcept {
  if (pthread_key_create(&g_exit_key, on_thread_exit) != 0)
    fatal("cannot create the thread-exit key");
}

thread_record &attached_thread() noexcept {
  thread_record *t = current_thread();
  if (!t) {
    ensure_runtime();
    t = new_thread_record();
    t->view = &_stm_tls;
    _stm_tls.thread = t;
    pthread_setspecific(g_exit_key, t);
  }
  if (!t->seg)
    take_segment(*t);
  return *t;
}

void detach_at(thread_record &t, const void *stack_pointer) noexcept {
  if (!t.seg)
    return;
  end_ambient(t);
  segment &seg = *t.seg;
  carry_constructing(t, seg);
  if (t.view && t.view->constructing_depth != 0)
    t.pinned = seg.index;
  t.seg = nullptr;
  note_segment_given_up();
  if (g_heap.sanitizer)
    close_views(t, seg);
  clear_view(t);
  enter_stopped(t, stack_pointer);
  release_segment(seg);
}

__attribute__((noinline)) void detach(thread_record &t) noexcept {
  volatile char here = 0;
  detach_at(t, const_cast<const char *>(&here));
}

void reattach(thread_record &t) noexcept {
  if (!t.seg)
    take_segment(t);
}

blocking_state begin_blocking(const char *call, const void *stack_pointer,
                              bool keep_segment) noexcept {
  thread_record *t = program_thread();
  if (!t)
    return {};
  runtime_scope scope;
  t->blocked_in = call;
  if (g_logging) // a thread may block for long, or for good: what it logged goes out now
    flush_event_log();
  segment &seg = *t->seg;
  if (seg.tx.kind != tx_kind::atomic && !keep_segment) {
    detach_at(*t, stack_pointer);
    return {t, blocking_state::mode::detached, false};
  }
  const bool suspend = seg.tx.inevitable;
  if (suspend)
    suspend_inevitable(seg);
  enter_stopped(*t, stack_pointer);
  return {t, blocking_state::mode::stopped_in_place, suspend};
}

void end_blocking(const blocking_state &s) noexcept {
  thread_record *t = s.thread;
  if (!t)
    return;
  runtime_scope scope;
  t->blocked_in = nullptr;
  if (s.how == blocking_state::mode::detached) {
    reattach(*t);
    return;
  }
  leave_stopped(*t);
  if (s.suspended)
    resume_inevitable(*t->seg);
}

void release_edge(thread_record &t, const char *call) noexcept {
  runtime_scope scope;
  segment &seg = *t.seg;
  if (seg.tx.kind == tx_kind::atomic) {
    if (become_inevitable(t, call))
      publish_inevitable_progress(seg);
    return; // a doomed transaction's writes are never seen: it runs again
  }
  if (seg.tx.has_effects())
    restart_ambient(t);
}

void release_unless_optimistic(thread_record &t, const char *call) noexcept {
  segment &seg = *t.seg;
  if (seg.tx.kind != tx_kind::atomic || seg.tx.inevitable)
    release_edge(t, call);
}

void release_without_waiting(thread_record &t) noexcept {
  runtime_scope scope;
  segment &seg = *t.seg;
  if (seg.tx.kind == tx_kind::atomic)
    publish_inevitable_progress(seg); // nothing unless inevitable
  else if (seg.tx.has_effects())
    try_restart_ambient(t);
}

bool before_acquire(thread_record &t, const char *call) noexcept {
  runtime_scope scope;
  return t.seg->tx.kind != tx_kind::atomic || become_inevitable(t, call);
}

void refresh_view(thread_record &t) noexcept {
  runtime_scope scope;
  validate(*t.seg);
}

void acquire_edge(thread_record &t, const char *call) noexcept {
  runtime_scope scope;
  segment &seg = *t.seg;
  if (seg.tx.kind == tx_kind::atomic)
    become_inevitable(t, call); // validates: its view is refreshed
  else
    validate(seg);
}

} // namespace stm::rt
