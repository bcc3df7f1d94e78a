// Allocation of managed objects: 16 KiB blocks taken from the heap, each owned
// by one segment while it allocates in it; small objects in size classes that
// are multiples of 16 (so each header owns its read-marker granule), large
// objects in runs of whole blocks. The metadata that lets the collector find an
// object from any interior pointer lives in a side table, outside the windows.
#ifndef STMIFY_RUNTIME_ALLOCATOR_H
#define STMIFY_RUNTIME_ALLOCATOR_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace stm::rt {

inline constexpr std::size_t kMaxSmall = 4096;
inline constexpr unsigned kSizeClasses = 32;

unsigned size_class(std::size_t bytes) noexcept; // bytes <= kMaxSmall
std::size_t class_size(unsigned cls) noexcept;

enum class block_kind : std::uint8_t { unused, small, large_head, large_tail };

struct block_info {
  std::uint32_t slot_size = 0;  // small: size of a slot; large head: object bytes
  std::uint32_t blocks = 0;     // large head: length of the run
  std::uint16_t header = 0;     // header offset inside each object
  block_kind kind = block_kind::unused;
};

// Per-segment allocation cursors, one per (size class, header offset).
struct allocation_state {
  struct cursor {
    std::uint16_t cls, header;
    std::uintptr_t next, end;
    std::vector<std::uintptr_t> free; // slots given back by aborted transactions
  };
  std::vector<cursor> cursors;
};

struct segment;

void setup_allocator() noexcept;

// Allocates an object of `size` bytes whose header lies `header` bytes in, for
// the transaction running in seg. Returns its offset, or 0 when the heap is
// exhausted. The memory in seg's window is not zeroed yet.
std::uintptr_t allocate_object(segment &seg, std::size_t size, std::size_t header) noexcept;

// Gives back an object that its (aborted) transaction created.
void free_unpublished(segment &seg, std::uintptr_t start) noexcept;

// The block metadata for a heap offset (which must lie in the heap).
block_info &block_at(std::uintptr_t off) noexcept;
std::uintptr_t heap_top() noexcept;

} // namespace stm::rt

#endif
