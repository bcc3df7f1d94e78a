#include "sync.h"

#include "diagnostics.h"
#include "heap.h"
#include "immortal.h"
#include "segment.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <unistd.h>

namespace stm::rt {

bool g_never_block = false;

std::int64_t monotonic_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

// ------------------------------------------------------------ running / stopped

std::mutex g_stop_lock;
struct stop_tag;
std::condition_variable &stop_cv() { return immortal<std::condition_variable, stop_tag>(); }
bool g_stopping = false;              // the world is stopped or stopping; guarded
std::atomic<bool> g_requested{false}; // read at safe points
unsigned g_running = 0;               // threads not stopped; guarded

void report_running_threads() noexcept {
  say_watchdog("a collection waits for every thread to reach a safe point; still running:");
  for_each_thread_record([](thread_record &t) {
    if (t.running)
      describe_thread(t, "running");
  });
}

// ------------------------------------------------------------ segments

std::mutex g_segment_lock;
std::atomic<std::size_t> g_segment_queue_size{0};
std::atomic<unsigned> g_segments_held{0};
std::atomic<unsigned> g_most_segments_held{0};
// Of those, the ones pinned to a segment (thread_record::pinned), in all and
// per segment: a holder of another segment need not make way for them.
std::atomic<std::size_t> g_pinned_waiters{0};
std::atomic<std::size_t> g_pinned_waiters_for[kMaxSegments + 1];
struct segment_wait_tag;
std::condition_variable &segment_cv() {
  return immortal<std::condition_variable, segment_wait_tag>();
}
// Threads waiting for a segment, first come first served.
std::deque<thread_record *> &segment_queue() {
  return immortal<std::deque<thread_record *>, segment_wait_tag>();
}

bool try_take(thread_record &t, segment &seg) noexcept {
  thread_record *expected = nullptr;
  if (!seg.owner.compare_exchange_strong(expected, &t, std::memory_order_seq_cst))
    return false;
  seg.owned_since.store(monotonic_ns(), std::memory_order_relaxed);
  return true;
}

// A holder's turn: a thread that waits for a segment asks the holders that
// have had theirs to take turns at their next safe point. Without it a holder
// takes turns only when its safe points' countdown runs out,
// STMIFY_SAFE_POINT_INTERVAL steps after its last visit to the runtime, and
// steps can be slow: a spin loop that yields waits a scheduler slice per step
// on a busy CPU, and kept the segment for seconds from the very thread it
// waited for.
constexpr std::chrono::milliseconds kSegmentTurn(10);

// Called with the segment lock held: a holder cannot give its segment up,
// and so neither detach nor retire its record, meanwhile.
template <class Fits> void ask_holders_to_take_turns(const Fits &fits) noexcept {
  const std::int64_t turn_began_before =
      monotonic_ns() - std::chrono::nanoseconds(kSegmentTurn).count();
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    segment &seg = segment_at(i);
    thread_record *owner = seg.owner.load(std::memory_order_acquire);
    if (fits(i) && owner && owner != kReclaimerOwner &&
        seg.owned_since.load(std::memory_order_relaxed) <= turn_began_before)
      poke_locked(owner);
  }
}

void report_segment_holders() noexcept {
  say_watchdog("a thread waits for a segment; every segment is held:");
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    thread_record *owner = segment_at(i).owner.load(std::memory_order_acquire);
    if (owner && owner != kReclaimerOwner)
      describe_thread(*owner, "holds a segment");
  }
}

} // namespace

void enter_stopped(thread_record &t, const void *stack_pointer) noexcept {
  std::lock_guard<std::mutex> lock(g_stop_lock);
  t.stack_lo = stack_pointer;
  if (!t.running)
    return;
  t.running = false;
  --g_running;
  stop_cv().notify_all();
}

void leave_stopped(thread_record &t) noexcept {
  std::unique_lock<std::mutex> lock(g_stop_lock);
  if (t.running)
    return;
  stop_cv().wait(lock, [] { return !g_stopping; });
  t.running = true;
  t.stack_lo = nullptr;
  ++g_running;
}

bool stop_requested() noexcept { return g_requested.load(std::memory_order_acquire); }

__attribute__((noinline)) void park_for_stop(thread_record &t) noexcept {
  __builtin_unwind_init(); // callee-saved registers go to this frame, which is scanned
  volatile char here = 0;
  const std::int64_t began = g_observing ? monotonic_ns() : 0;
  enter_stopped(t, const_cast<const char *>(&here));
  leave_stopped(t);
  if (began)
    note_stopped_world_wait(monotonic_ns() - began);
}

__attribute__((noinline)) bool with_world_stopped(void (*fn)(void *), void *ctx) noexcept {
  __builtin_unwind_init(); // this thread's own stack is scanned from this frame
  volatile char here = 0;
  thread_record *me = current_thread();
  const bool was_running = me && me->running;
  {
    std::unique_lock<std::mutex> lock(g_stop_lock);
    if (g_stopping) { // someone else stops the world: wait until it resumes
      const std::int64_t began = g_observing ? monotonic_ns() : 0;
      if (me)
        me->stack_lo = const_cast<const char *>(&here);
      if (was_running) {
        me->running = false;
        --g_running;
        stop_cv().notify_all();
      }
      stop_cv().wait(lock, [] { return !g_stopping; });
      if (was_running) {
        me->running = true;
        ++g_running;
      }
      if (began) {
        lock.unlock();
        note_stopped_world_wait(monotonic_ns() - began);
      }
      return false;
    }
    g_stopping = true;
    g_requested.store(true, std::memory_order_release);
  }
  if (me)
    enter_stopped(*me, const_cast<const char *>(&here));
  for_each_thread_record([](thread_record &t) {
    if (t.running)
      poke_locked(&t);
  });
  {
    std::unique_lock<std::mutex> lock(g_stop_lock);
    watched_wait(stop_cv(), lock, [] { return g_running == 0; }, report_running_threads);
    fn(ctx);
    g_stopping = false;
    g_requested.store(false, std::memory_order_release);
    stop_cv().notify_all();
  }
  if (was_running)
    leave_stopped(*me);
  return true;
}

segment &acquire_segment(thread_record &t) noexcept {
  // A thread that gave its segment up inside a constructor takes that one
  // back (thread_record::pinned); the others take any.
  const auto fits = [&t](unsigned index) { return t.pinned == 0 || t.pinned == index; };
  // Waiting threads are served first, in order.
  if (g_segment_queue_size.load(std::memory_order_seq_cst) == 0) {
    const unsigned first = t.pinned ? t.pinned : t.preferred;
    if (first && try_take(t, segment_at(first)))
      return segment_at(first);
    for (unsigned i = 1; i <= g_heap.segments; ++i)
      if (fits(i) && try_take(t, segment_at(i)))
        return segment_at(i);
  }
  // The thread stops before it takes the segment lock: a collection holds
  // the stop lock and may hand segments over (lock order: stop, segment).
  segment *taken = nullptr;
  std::int64_t waited_since = 0;
  wait_stopped(t, [&] {
    std::unique_lock<std::mutex> lock(g_segment_lock);
    for (unsigned i = 1; i <= g_heap.segments && !taken; ++i)
      if (fits(i) && try_take(t, segment_at(i)))
        taken = &segment_at(i);
    if (taken)
      return;
    if (g_never_block)
      fatal("test mode: no free segment (all %u are held)", g_heap.segments);
    if (g_observing)
      waited_since = monotonic_ns();
    t.granted = nullptr;
    segment_queue().push_back(&t);
    g_segment_queue_size.fetch_add(1, std::memory_order_seq_cst);
    if (t.pinned) {
      g_pinned_waiters.fetch_add(1, std::memory_order_seq_cst);
      g_pinned_waiters_for[t.pinned].fetch_add(1, std::memory_order_seq_cst);
    }
    watched_wait(
        segment_cv(), lock, [&] { return t.granted != nullptr; }, report_segment_holders,
        kSegmentTurn, [&] { ask_holders_to_take_turns(fits); });
    taken = t.granted;
    t.granted = nullptr;
  });
  if (waited_since)
    note_segment_wait(monotonic_ns() - waited_since);
  return *taken;
}

void release_segment(segment &seg) noexcept {
  std::lock_guard<std::mutex> lock(g_segment_lock);
  auto &queue = segment_queue();
  const auto next = std::find_if(queue.begin(), queue.end(), [&](const thread_record *w) {
    return w->pinned == 0 || w->pinned == seg.index;
  });
  if (next == queue.end()) {
    // A thread that takes it without the lock starts a turn now, even if a
    // waiter reads the time before the taker writes its own.
    seg.owned_since.store(monotonic_ns(), std::memory_order_relaxed);
    seg.owner.store(nullptr, std::memory_order_seq_cst);
    return;
  }
  thread_record *waiter = *next;
  queue.erase(next);
  g_segment_queue_size.fetch_sub(1, std::memory_order_seq_cst);
  if (waiter->pinned) {
    g_pinned_waiters.fetch_sub(1, std::memory_order_seq_cst);
    g_pinned_waiters_for[waiter->pinned].fetch_sub(1, std::memory_order_seq_cst);
  }
  seg.owner.store(waiter, std::memory_order_seq_cst);
  seg.owned_since.store(monotonic_ns(), std::memory_order_relaxed);
  waiter->granted = &seg;
  segment_cv().notify_all();
}

void note_segment_taken() noexcept {
  const unsigned held = g_segments_held.fetch_add(1, std::memory_order_relaxed) + 1;
  unsigned most = g_most_segments_held.load(std::memory_order_relaxed);
  while (held > most &&
         !g_most_segments_held.compare_exchange_weak(most, held, std::memory_order_relaxed)) {
  }
}

void note_segment_given_up() noexcept { g_segments_held.fetch_sub(1, std::memory_order_relaxed); }

unsigned most_segments_held() noexcept {
  return g_most_segments_held.load(std::memory_order_relaxed);
}

unsigned forget_most_segments_held() noexcept {
  const unsigned held = g_segments_held.load(std::memory_order_relaxed);
  g_most_segments_held.store(held, std::memory_order_relaxed);
  return held;
}

// Racy by design: a safe point's hint, read without the lock (a waiter
// counted a moment late makes the holder take turns at its next visit).
bool segment_waiters(const segment &seg) noexcept {
  const std::size_t waiting = g_segment_queue_size.load(std::memory_order_relaxed);
  if (waiting == 0)
    return false;
  const std::size_t pinned = g_pinned_waiters.load(std::memory_order_relaxed);
  const std::size_t pinned_here = g_pinned_waiters_for[seg.index].load(std::memory_order_relaxed);
  return waiting > pinned - std::min(pinned, pinned_here);
}

// ------------------------------------------------------------ watchdog

void watched_wait(std::condition_variable &cv, std::unique_lock<std::mutex> &lock,
                  bool (*done)(void *), void *done_ctx, void (*report)(void *), void *report_ctx,
                  std::chrono::microseconds tick_period, void (*tick)(void *),
                  void *tick_ctx) noexcept {
  using clock = std::chrono::steady_clock;
  const auto finished = [&] { return done(done_ctx); };
  const std::chrono::seconds report_period(g_config.watchdog_seconds);
  const bool reports = report_period.count() != 0;
  if (!reports && !tick) {
    cv.wait(lock, finished);
    return;
  }
  auto report_at = clock::now() + report_period;
  for (;;) {
    const auto now = clock::now();
    auto wake = reports ? report_at : clock::time_point::max();
    if (tick)
      wake = std::min(wake, now + tick_period);
    if (cv.wait_until(lock, wake, finished))
      return;
    if (tick)
      tick(tick_ctx);
    if (reports && clock::now() >= report_at) {
      report(report_ctx);
      report_at = clock::now() + report_period;
    }
  }
}

void say_watchdog(const char *line) noexcept {
  std::fprintf(stderr, "stmify: watchdog: %s\n", line);
  std::fflush(stderr);
}

// Inside a block the program began without the runtime (_stm_begin_quickly),
// which the runtime's record of the transaction does not show yet.
static __attribute__((no_sanitize("thread"))) bool began_quickly(const thread_record &t) noexcept {
  return t.view && t.view->quick_state == _STM_QUICK_BEGUN;
}

// Reads another thread's state without its locks: a report of a wait that
// lasts seconds needs no exact snapshot, and must not wait for those locks.
__attribute__((no_sanitize("thread"))) void describe_thread(const thread_record &t,
                                                            const char *role) noexcept {
  char name[32] = "?";
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/comm", static_cast<int>(t.tid));
  if (int fd = open(path, O_RDONLY | O_CLOEXEC); fd >= 0) {
    ssize_t n = read(fd, name, sizeof name - 1);
    close(fd);
    name[n > 0 ? n : 0] = '\0';
    if (char *newline = std::strchr(name, '\n'))
      *newline = '\0';
  }
  const segment *seg = t.seg;
  const char *doing = "running code that reaches no safe point (library code, code not "
                      "compiled with stmify, or a blocking call stmify does not intercept)";
  if (t.blocked_in)
    doing = t.blocked_in;
  else if (!t.running)
    doing = "waiting inside the stmify runtime";
  std::fprintf(
      stderr, "stmify: watchdog:   thread %d (%s) %s: %s%s%s%s%s\n", static_cast<int>(t.tid), name,
      role, t.blocked_in ? "blocked in " : "", doing,
      seg && (seg->tx.kind == tx_kind::atomic || began_quickly(t)) ? "; in an atomic block" : "",
      seg && seg->tx.inevitable ? ", inevitable because of " : "",
      seg && seg->tx.inevitable && seg->tx.inevitable_reason ? seg->tx.inevitable_reason : "");
  std::fflush(stderr);
}

} // namespace stm::rt
