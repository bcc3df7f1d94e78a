// Allocation of managed objects: 16 KiB blocks taken from the heap, each owned
// by at most one segment's cursor while it allocates in it; small objects in
// size classes that are multiples of 16 (so each header owns its read-marker
// granule), large objects in runs of whole blocks. Side tables outside the
// windows say which granules start an allocated object (and, during a
// collection, which are marked), so an object can be found from any interior
// pointer.
#ifndef STMIFY_RUNTIME_ALLOCATOR_H
#define STMIFY_RUNTIME_ALLOCATOR_H

#include "heap.h"

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
  std::uint32_t head = 0;       // large tail: distance in blocks to the head
  std::uint32_t free_bytes = 0; // small, after a collection: bytes in free slots
  std::uint16_t header = 0;     // header offset inside each object
  std::uint16_t owner = 0;      // small: segment whose cursor allocates here
  block_kind kind = block_kind::unused;
  bool zeroed = false; // unused: its memory is zero in every window
};

// Per-segment allocation cursors, one per (size class, header offset).
struct allocation_state {
  struct cursor {
    std::uint16_t cls, header;
    std::uintptr_t block; // 0: none
    std::uintptr_t next;  // first slot not yet examined
    std::uintptr_t end;
    bool zeroed; // the slots from `next` on are zero in every window
  };
  std::vector<cursor> cursors;
};

struct segment;

void setup_allocator() noexcept;

// Allocates an object of `size` bytes whose header lies `header` bytes in, for
// the transaction running in seg. Returns its offset, or 0 when the heap is
// exhausted even after a collection. Sets `zeroed` when the memory is known to
// be zero already (fresh pages); otherwise the caller clears it.
std::uintptr_t allocate_object(segment &seg, std::size_t size, std::size_t header,
                               bool &zeroed) noexcept;

// Gives back an object that its (aborted) transaction created.
void free_unpublished(segment &seg, std::uintptr_t start) noexcept;

block_info &block_at(std::uintptr_t off) noexcept;
std::uintptr_t heap_top() noexcept;

// The start of the allocated object containing heap offset off, or 0.
std::uintptr_t object_containing(std::uintptr_t off) noexcept;
// Which 16-byte granules of the heap page at offset `page` allocated objects
// take, bit i for granule i. With every thread stopped after a sweep, the
// others hold nothing anyone reads: no object, and no allocation cursor.
using page_granules = std::uint64_t[kPage / kGranule / 64];
void allocated_granules(std::uintptr_t page, page_granules &granules) noexcept;
// Bytes of the allocation starting at start (its slot or run).
std::size_t allocation_size(std::uintptr_t start) noexcept;

// ---- for the collector (all threads stopped) ----

bool is_marked(std::uintptr_t start) noexcept;
// Marks the object; false if it was marked already.
bool mark_once(std::uintptr_t start) noexcept;

struct sweep_result {
  std::size_t live_bytes = 0;
  std::size_t freed_bytes = 0;
  std::size_t freed_objects = 0;
  std::size_t released_blocks = 0; // whole blocks given back to the system
};

// Frees every allocated object that is not marked, clears the marks, gives
// empty blocks back (their pages in every segment window, their markers
// zeroed), and forgets all segments' cursors.
sweep_result sweep(segment *segments, unsigned count) noexcept;

} // namespace stm::rt

#endif
