// Threads and segments: attaching a thread to the runtime, giving its segment
// up and taking one back, and what a thread does around a call that blocks
// (docs/architecture.md §8, §9).
#ifndef STMIFY_RUNTIME_THREADS_H
#define STMIFY_RUNTIME_THREADS_H

#include "registry.h"
#include "sync.h"

#include <cerrno>

namespace stm::rt {

// The calling thread's record, attached to a segment (waiting for one if all
// are taken) and running at least an ambient transaction. Sets the runtime up
// on first use.
thread_record &attached_thread() noexcept;

// Ends the ambient transaction (publishing it) and gives the segment up. The
// thread counts as stopped from then on, its stack scanned from
// stack_pointer (this frame's, for the first form).
void detach(thread_record &t) noexcept;
void detach_at(thread_record &t, const void *stack_pointer) noexcept;
// Takes a segment again after detach() and refreshes the thread's view.
void reattach(thread_record &t) noexcept;

// Creates the key whose destructor detaches exiting threads.
void setup_threads() noexcept;

// Resolves the C library functions the runtime intercepts (intercept.cpp).
void install_interceptors() noexcept;

// Around a call that may block (see intercept.cpp). Outside atomic blocks the
// thread publishes what it wrote and gives its segment up for the duration
// (another thread may use it, and a collection need not wait), then takes a
// segment back and refreshes its view. Inside an atomic block, or when the
// call works on memory in the thread's segment (keep_segment), it keeps its
// segment but counts as stopped; an inevitable transaction then lets other
// transactions commit meanwhile unless they write what it read (see
// suspend_inevitable). Nothing happens for threads that are not attached,
// that run runtime code, or in test mode.
struct blocking_state {
  enum class mode : unsigned char { none, detached, stopped_in_place };
  thread_record *thread = nullptr;
  mode how = mode::none;
  bool suspended = false;
};
blocking_state begin_blocking(const char *call, const void *stack_pointer,
                              bool keep_segment) noexcept;
void end_blocking(const blocking_state &s) noexcept;

// Runs call() (the blocking call itself, its arguments already evaluated)
// between begin_blocking and end_blocking. The callers' registers are spilled
// into this frame, where the scan of the stack starts; errno is the call's.
template <class F>
__attribute__((noinline)) auto run_blocking(const char *name, F &&call, bool keep_segment = false) {
  __builtin_unwind_init();
  volatile char here = 0;
  const blocking_state s = begin_blocking(name, const_cast<const char *>(&here), keep_segment);
  auto result = call();
  const int error = errno;
  end_blocking(s);
  errno = error;
  return result;
}

// The calling thread when it runs the program's code attached to the runtime
// (null when it is not attached, runs runtime code, or in test mode): only
// then does a call the runtime intercepts mean anything to it. Inline: every
// intercepted lock and unlock asks.
inline thread_record *program_thread() noexcept {
  thread_record *t = current_thread();
  return t && t->seg && t->runtime_depth == 0 && !g_never_block ? t : nullptr;
}

// Synchronisation edges of the C++ memory model, outside atomic blocks: a
// release (unlock, store-release, thread start...) publishes what the thread
// wrote; an acquire (lock, load-acquire, join...) refreshes its view. Inside
// an atomic block the transaction becomes inevitable first: an inevitable
// transaction's writes are published at a release edge (they can no longer be
// undone), and its view refreshed at an acquire edge.
void release_edge(thread_record &t, const char *call) noexcept;
void acquire_edge(thread_record &t, const char *call) noexcept;
// A release that need not make an atomic transaction inevitable (what it
// releases is the library's own): an atomic transaction that is not
// inevitable publishes at its commit.
void release_unless_optimistic(thread_record &t, const char *call) noexcept;
// A release that must not wait (see __cxa_guard_release): publishes what
// the thread wrote outside atomic blocks unless another transaction would
// have to finish first, and an inevitable transaction's progress.
void release_without_waiting(thread_record &t) noexcept;
// Before a call that acquires: inside an atomic block, takes the inevitable
// slot first, so that nothing acquired is held while waiting for it. False if
// the transaction lost a conflict instead (it must abort).
bool before_acquire(thread_record &t, const char *call) noexcept;
// An acquire that brings no effects along (a one-time initialisation already
// done): imports what others committed; an atomic transaction that read
// something they changed is doomed (it aborts at its next barrier).
void refresh_view(thread_record &t) noexcept;

} // namespace stm::rt

#endif
