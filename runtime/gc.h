// The collector: non-moving mark-sweep, stop-the-world (docs/architecture.md
// §10). Roots are found conservatively (thread stacks from the point where a
// thread stopped, the program's writable data, anonymous writable memory);
// the managed heap is traced precisely through the generated trace functions,
// in every version that a thread may still see.
#ifndef STMIFY_RUNTIME_GC_H
#define STMIFY_RUNTIME_GC_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace stm::rt {

// Runtime memory that must not be scanned for roots (tables of integers).
void note_runtime_region(const void *start, std::size_t bytes) noexcept;
// The same for a table in the runtime's own static data, which lies among
// the program's: the scan for roots leaves out exactly these bytes.
void note_runtime_table(const void *start, std::size_t bytes) noexcept;

// Allocation volume, which decides when to collect.
void note_allocated(std::size_t bytes) noexcept;
bool collection_due() noexcept;
// How much the program may allocate between two collections: as much as
// survived the last one (live_bytes), and at least a floor (8 MiB, or an
// eighth of a smaller STMIFY_HEAP_LIMIT).
std::size_t allocation_budget(std::size_t live_bytes) noexcept;

// Collects now, stopping every thread at its next safe point (see sync.h).
// If another thread is already stopping the world, waits for it instead.
void collect_garbage(const char *reason) noexcept;

struct gc_statistics {
  std::uint64_t collections = 0;
  std::uint64_t total_pause_ns = 0;
  std::uint64_t max_pause_ns = 0;
  std::uint64_t live_bytes = 0;  // after the last collection
  std::uint64_t freed_bytes = 0; // in all collections
};
gc_statistics gc_stats() noexcept;

#ifdef STMIFY_TESTING
// Runs in the next collections before the scan for roots reads each run of
// the program's anonymous memory, until it returns true
// (testing::in_next_scan).
extern std::atomic<bool (*)(std::uintptr_t from, std::uintptr_t to)> g_scan_hook;
// The parts of [begin, end) that the scan for roots reads when it leaves
// out `left_out` (testing::parts_outside).
std::vector<std::pair<std::uintptr_t, std::uintptr_t>>
parts_outside(std::uintptr_t begin, std::uintptr_t end,
              const std::vector<std::pair<std::uintptr_t, std::uintptr_t>> &left_out);
#endif

} // namespace stm::rt

#endif
