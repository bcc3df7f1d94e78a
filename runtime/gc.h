// The collector: non-moving mark-sweep, stop-the-world (docs/architecture.md
// §10). Roots are found conservatively (thread stacks from the point where a
// thread stopped, the program's writable data, anonymous writable memory);
// the managed heap is traced precisely through the generated trace functions,
// in every version that a thread may still see.
#ifndef STMIFY_RUNTIME_GC_H
#define STMIFY_RUNTIME_GC_H

#include <cstddef>
#include <cstdint>

namespace stm::rt {

struct thread_record;

// Runtime memory that must not be scanned for roots (tables of integers).
void note_runtime_region(const void *start, std::size_t bytes) noexcept;

// Allocation volume, which decides when to collect.
void note_allocated(std::size_t bytes) noexcept;
bool collection_due() noexcept;

// Collects now, stopping every thread at its next safe point. If another
// thread is already collecting, waits for that collection instead.
void collect_garbage(const char *reason) noexcept;

// --- stopping threads ---
// A thread counts as stopped while it waits in the runtime, blocks outside
// atomic blocks, parks at a safe point, or is not attached. A collection runs
// only when every thread is stopped; a stopped thread's stack is scanned from
// the point where it stopped.

// Marks t stopped; its stack from `stack_pointer` up is scanned.
void enter_stopped(thread_record &t, const void *stack_pointer) noexcept;
// Marks t running again, after any collection in progress has finished.
void leave_stopped(thread_record &t) noexcept;
// Runs fn with every other thread stopped (as for a collection). If another
// thread is already stopping the world, waits until it is done and returns
// false without running fn.
bool with_world_stopped(void (*fn)(void *), void *ctx) noexcept;

// Is a collection waiting for threads to stop?
bool collection_requested() noexcept;
// Parks the calling thread until the requested collection has finished.
void park_for_collection(thread_record &t) noexcept;

struct gc_statistics {
  std::uint64_t collections = 0;
  std::uint64_t total_pause_ns = 0;
  std::uint64_t max_pause_ns = 0;
  std::uint64_t live_bytes = 0;  // after the last collection
  std::uint64_t freed_bytes = 0; // in all collections
};
gc_statistics gc_stats() noexcept;

} // namespace stm::rt

#endif
