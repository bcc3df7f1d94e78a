// The thread-state protocol: which threads are running and which are
// stopped (so that the world can be stopped for a collection or a heap copy),
// and who holds which segment (docs/architecture.md §9).
//
// A thread is *running* while it may touch managed memory or runtime state,
// and *stopped* while it waits inside the runtime, blocks in a call the
// runtime intercepted, parks at a safe point, or is not attached. Before it
// stops, it spills its callee-saved registers into a frame that stays live for
// the whole stop and records where its stack must be scanned from. The world
// is stopped when no thread runs.
#ifndef STMIFY_RUNTIME_SYNC_H
#define STMIFY_RUNTIME_SYNC_H

#include "registry.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace stm::rt {

struct segment;

// --- running and stopped

// Marks t stopped; its stack from `stack_pointer` up is scanned.
void enter_stopped(thread_record &t, const void *stack_pointer) noexcept;
// Marks t running again, after the world has resumed if it is stopped.
void leave_stopped(thread_record &t) noexcept;
// Runs wait() with t counted as stopped: the callee-saved registers of the
// callers are spilled into this frame and the stack is scanned from here.
// Returns with t running again if it was running before.
template <class F> __attribute__((noinline)) void wait_stopped(thread_record &t, F &&wait);

// Runs fn with every other thread stopped. If another thread is already
// stopping the world, waits until it is done and returns false without
// running fn.
bool with_world_stopped(void (*fn)(void *), void *ctx) noexcept;
// Is some thread waiting for the world to stop?
bool stop_requested() noexcept;
// Stops the calling thread until the world has resumed.
void park_for_stop(thread_record &t) noexcept;

// --- segments

// Takes a free segment for t, waiting (stopped) for one if all are held;
// threads that wait are served first come first served.
segment &acquire_segment(thread_record &t) noexcept;
// Gives a segment up, handing it to the longest waiter if there is one.
void release_segment(segment &seg) noexcept;
// Whether a thread waits that could take seg (one not pinned to another).
bool segment_waiters(const segment &seg) noexcept;
// A thread took a segment (take_segment) or gave it up (detach_at). The log
// reclaimer keeps at most one more segment current, held ones included, than
// the most that threads have held at once.
void note_segment_taken() noexcept;
void note_segment_given_up() noexcept;
unsigned most_segments_held() noexcept;
// Test hook: from now on the most held at once counts from those held now,
// which it returns.
unsigned forget_most_segments_held() noexcept;

// Test mode: the runtime never blocks; a wait becomes an abort or a fatal
// error.
extern bool g_never_block;

// Monotonic nanoseconds (turns, waits and the conflict report's times).
std::int64_t monotonic_ns() noexcept;

// --- the watchdog

// Waits on cv until done() holds. Every STMIFY_WATCHDOG seconds it waits,
// report() writes to stderr what the wait depends on (which threads, in
// which calls), so that a program that hangs says why. With a tick, the
// waiter also runs tick() every tick_period until done() holds.
void watched_wait(std::condition_variable &cv, std::unique_lock<std::mutex> &lock,
                  bool (*done)(void *), void *done_ctx, void (*report)(void *), void *report_ctx,
                  std::chrono::microseconds tick_period = {}, void (*tick)(void *) = nullptr,
                  void *tick_ctx = nullptr) noexcept;
template <class Done, class Report>
void watched_wait(std::condition_variable &cv, std::unique_lock<std::mutex> &lock, Done done,
                  Report report) noexcept {
  watched_wait(
      cv, lock, [](void *c) { return (*static_cast<Done *>(c))(); }, &done,
      [](void *c) { (*static_cast<Report *>(c))(); }, &report);
}
template <class Done, class Report, class Tick>
void watched_wait(std::condition_variable &cv, std::unique_lock<std::mutex> &lock, Done done,
                  Report report, std::chrono::microseconds tick_period, Tick tick) noexcept {
  watched_wait(
      cv, lock, [](void *c) { return (*static_cast<Done *>(c))(); }, &done,
      [](void *c) { (*static_cast<Report *>(c))(); }, &report, tick_period,
      [](void *c) { (*static_cast<Tick *>(c))(); }, &tick);
}
// One line of a report, and one line describing thread t: its id, name, and
// what it does.
void say_watchdog(const char *line) noexcept;
void describe_thread(const thread_record &t, const char *role) noexcept;

} // namespace stm::rt

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
