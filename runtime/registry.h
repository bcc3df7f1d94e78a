// Threads known to the runtime: one record per OS thread that runs
// instrumented code (a test can drive several records from one OS thread).
// Records are pooled, never freed: another thread may still hold a pointer to
// an exited thread's record (to poke it) and must find it harmless.
#ifndef STMIFY_RUNTIME_REGISTRY_H
#define STMIFY_RUNTIME_REGISTRY_H

#include <atomic>
#include <cstdint>
#include <stmify/stm.h>

#include <sys/types.h>

#include <vector>

namespace stm::rt {

struct segment;

struct thread_record {
  // The thread's thread-local view; null once the thread has exited. While a
  // test drives several records from one OS thread, the records that are not
  // running keep their view in saved_view.
  _stm_thread_view *view = nullptr;
  _stm_thread_view saved_view{};
  segment *seg = nullptr;     // the segment held, if any
  segment *granted = nullptr; // handed over while waiting for a segment
  unsigned preferred = 0;     // segment index to try first
  // The segment index the thread must take back (0: any): it gave that one
  // up inside a constructor, whose `this`, and the writes the compiler makes
  // through it (member initialisers, vptrs), point into that segment.
  unsigned pinned = 0;
  unsigned consecutive_aborts = 0;
  // STMIFY_FORCE_ABORTS (transaction.cpp): the safe points the attempt has
  // passed, the one it aborts at, and how many the block's body has (once an
  // attempt of the block has reached its commit: measured); where the abort
  // points are drawn from.
  struct {
    unsigned step = 0, abort_at = 0, body_length = 0;
    bool measured = false;
    std::uint64_t random = 0;
  } forced;
  unsigned ambient_visits = 0; // safe-point visits since the ambient transaction began
  // Objects whose constructor was running when the thread gave its segment up
  // (at a safe point, in a blocking call): a copy of each goes with the thread
  // into the next segment it takes, where the constructor goes on writing.
  struct carried_object {
    std::uintptr_t start;
    std::uint32_t size;
    std::uint16_t header;
    std::vector<unsigned char> bytes;
  };
  std::vector<carried_object> carried;
  // Nesting of runtime code running on this thread: while it is non-zero, the
  // locks and waits the thread goes through are the runtime's own, not
  // blocking calls of the program (see intercept.cpp).
  unsigned runtime_depth = 0;
  // The blocking call the thread is in, for the watchdog's reports.
  const char *blocked_in = nullptr;
  thread_record *next_free = nullptr;

  // For stopping the world (written under the stop lock, see sync.h): is the
  // thread running, and the part of its stack to scan while it is stopped.
  // Atomic: the collector reads it without the stop lock to poke running
  // threads (a thread that starts running later sees the request itself).
  std::atomic<bool> running{false};
  bool in_use = false;                    // false while pooled
  const void *stack_lo = nullptr;         // where it stopped
  const void *stack_hi = nullptr;         // the base of its stack
  const void *stack_mapping_lo = nullptr; // the lowest address of its stack
  pid_t tid = 0;                          // for reports
};

// Brings the runtime's record of the calling thread up to date with a block
// the program began quickly (_stm_begin_quickly in stm.h), and disarms the
// quick begin (transaction.cpp).
void settle_quick_block(thread_record &t) noexcept;

// Every entry into the runtime finds its thread here, and so settles first:
// nothing in the runtime sees a transaction the program began on its own.
inline thread_record *current_thread() noexcept {
  auto *t = static_cast<thread_record *>(_stm_tls.thread);
  if (__builtin_expect(_stm_tls.quick_state != _STM_QUICK_OFF, 0))
    settle_quick_block(*t);
  return t;
}

// The same for the running thread t after the runtime ran program code
// (an end handler) that may have committed a block, and so armed it, before
// the runtime changes what arming depends on.
inline void settle(thread_record &t) noexcept {
  if (t.view->quick_state != _STM_QUICK_OFF)
    settle_quick_block(t);
}

// Marks the calling thread as running runtime code for the scope's duration.
class runtime_scope {
public:
  runtime_scope() noexcept : t_(current_thread()) {
    if (t_)
      ++t_->runtime_depth;
  }
  // For the calling thread's record, already found (and settled).
  explicit runtime_scope(thread_record &t) noexcept : t_(&t) { ++t_->runtime_depth; }
  ~runtime_scope() {
    if (t_)
      --t_->runtime_depth;
  }
  runtime_scope(const runtime_scope &) = delete;
  runtime_scope &operator=(const runtime_scope &) = delete;

private:
  thread_record *t_;
};

// A fresh record for the calling OS thread's stack (the runtime is set up).
thread_record *new_thread_record() noexcept;
// Gives an exited thread's record back to the pool.
void retire_thread_record(thread_record &t) noexcept;

// Calls f for every record in use, under the registry lock: f must not take
// it again, and may poke with poke_locked.
void for_each_thread_record(void (*f)(thread_record &, void *), void *ctx) noexcept;
template <class F> void for_each_thread_record(F &&f) noexcept {
  for_each_thread_record([](thread_record &t, void *c) { (*static_cast<F *>(c))(t); }, &f);
}

// Asks a thread to visit the runtime at its next safe point.
void poke(thread_record *t) noexcept;
void poke_locked(thread_record *t) noexcept;

} // namespace stm::rt

#endif
