// Threads: attaching to the runtime, holding and waiting for segments.
#ifndef STMIFY_RUNTIME_THREADS_H
#define STMIFY_RUNTIME_THREADS_H

#include <stmify/stm.h>
#include <stmify/stm.hpp>

#include <cstdint>
#include <utility>
#include <vector>

namespace stm::rt {

struct segment;

struct thread_record {
  // The thread's thread-local view; null once the thread has exited. While a
  // test drives several records from one OS thread, the records that are not
  // running keep their view in saved_view.
  _stm_thread_view *view = nullptr;
  _stm_thread_view saved_view{};
  segment *seg = nullptr;          // the segment held, if any
  segment *granted = nullptr;      // handed over while waiting for a segment
  unsigned preferred = 0;          // segment index to try first
  unsigned consecutive_aborts = 0;
  unsigned ambient_visits = 0;     // safe-point visits since the ambient transaction began
  bool detached_for_blocking = false;
  // Tasks added to a transaction queue by the running atomic block; they are
  // queued when it commits and dropped when it aborts.
  std::vector<std::pair<stm::detail::queue_core *, stm::detail::task>> pending_tasks;
  thread_record *next_free = nullptr;

  // For collections (guarded by the collector's lock): is the thread running
  // (not stopped), and the part of its stack to scan while it is stopped.
  bool running = false;
  bool in_use = false;                    // false while pooled
  const void *stack_lo = nullptr;         // where it stopped
  const void *stack_hi = nullptr;         // the base of its stack
  const void *stack_mapping_lo = nullptr; // the lowest address of its stack
};

// Placed in segment::owner while the log reclaimer updates an idle segment.
inline thread_record *const kReclaimerOwner =
    reinterpret_cast<thread_record *>(std::uintptr_t(1));

inline thread_record *current_thread() noexcept {
  return static_cast<thread_record *>(_stm_tls.thread);
}

// The calling thread's record, attached to a segment (waiting for one if all
// are taken) and running at least an ambient transaction.
thread_record &attached_thread() noexcept;

// Ends the ambient transaction and gives the segment up (before blocking).
void detach(thread_record &t) noexcept;
// Takes a segment again after detach().
void reattach(thread_record &t) noexcept;

// Gives a segment up, handing it to the longest waiter if there is one.
void release_segment(segment &seg) noexcept;
bool segment_waiters() noexcept;

// Imports the log into a segment nobody holds (the log reclaimer owns it).
void catch_up_idle_segment(segment &seg) noexcept;

// Asks a thread to visit the runtime at its next safe point.
void poke(thread_record *t) noexcept;

// Calls f for every thread record in use (under the registry lock: f must not
// take it again, and may poke with poke_locked).
void for_each_thread_record(void (*f)(thread_record &, void *), void *ctx) noexcept;
template <class F> void for_each_thread_record(F &&f) noexcept {
  for_each_thread_record([](thread_record &t, void *c) { (*static_cast<F *>(c))(t); }, &f);
}
void poke_locked(thread_record *t) noexcept;

// Runs wait() with t counted as stopped (see gc.h): the callee-saved registers
// of the callers are spilled into this frame and the stack is scanned from
// here. Returns with t running again if it was running before.
template <class F> __attribute__((noinline)) void wait_stopped(thread_record &t, F &&wait);

// Test mode: the runtime never blocks; a wait becomes an abort.
extern bool g_never_block;

thread_record *new_thread_record() noexcept;

// Sets up the runtime (segments, allocator, ...) once; every entry point that
// does not go through a thread record calls it.
void ensure_runtime() noexcept;

} // namespace stm::rt

#include "gc.h"

template <class F>
__attribute__((noinline)) void stm::rt::wait_stopped(thread_record &t, F &&wait) {
  __builtin_unwind_init();
  volatile char here = 0;
  const bool was_running = t.running;
  enter_stopped(t, const_cast<const char *>(&here));
  wait();
  if (was_running)
    leave_stopped(t);
}

#endif
