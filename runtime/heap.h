// The address space: a canonical window that is never accessible, and one
// private window per segment holding the read markers and a full copy of the
// managed heap at the same offsets (docs/architecture.md §3).
#ifndef STMIFY_RUNTIME_HEAP_H
#define STMIFY_RUNTIME_HEAP_H

#include "config.h"

#include <stmify/stm.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace stm::rt {

inline constexpr std::size_t kGranule = 16; // read-marker granularity
// A read marker: the read version of the last transaction that read the
// granule's object. Two bytes, so that the markers are zeroed once every
// 65 535 transactions of a segment rather than every 255.
using read_marker = std::uint16_t;
inline constexpr read_marker kLastReadVersion = 65535;
static_assert(kLastReadVersion == _STM_LAST_READ_VERSION);
static_assert(sizeof(read_marker) == sizeof(_stm_read_marker_t));
inline constexpr std::size_t kMarkerBytes = sizeof(read_marker);
inline constexpr std::size_t kPage = 4096;
inline constexpr std::size_t kBlock = 16 * 1024; // allocation unit of the heap
inline constexpr unsigned kMaxSegments = 256;
// With the barrier sanitizer, each segment has this many read-only and as
// many read-write views, handed out in turn, so that a view kept from one of
// the previous ones faults (docs/architecture.md §5).
inline constexpr unsigned kViewEpochs = 8;

inline constexpr std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

// Copies `size` bytes, whole granules (at least one): up to 64 bytes with two
// moves of 16 or 32 bytes (overlapping for 48), which a call to memcpy would
// cost more than. Most objects are that small, and every backup, commit
// record and import of one is such a copy.
inline void copy_granules(unsigned char *to, const unsigned char *from, std::size_t size) noexcept {
  if (size <= 2 * kGranule) {
    __builtin_memcpy(to, from, kGranule);
    __builtin_memcpy(to + size - kGranule, from + size - kGranule, kGranule);
  } else if (size <= 4 * kGranule) {
    __builtin_memcpy(to, from, 2 * kGranule);
    __builtin_memcpy(to + size - 2 * kGranule, from + size - 2 * kGranule, 2 * kGranule);
  } else {
    __builtin_memcpy(to, from, size);
  }
}

struct heap_layout {
  unsigned segments;          // N; segment i (1..N) is window i
  std::uintptr_t window_size; // SEG, a power of two
  std::uintptr_t mask;        // SEG - 1
  std::uintptr_t canonical;   // window 0
  std::uintptr_t heap_begin;  // offset of the first heap byte in a window
  std::uintptr_t heap_end;    // offset one past the last usable byte
  std::size_t heap_limit;     // STMIFY_HEAP_LIMIT, as configured
  bool sanitizer;             // the barrier sanitizer's views exist
  std::uintptr_t end;         // one past the last window

  std::uintptr_t window(unsigned i) const { return canonical + i * window_size; }
  // The sanitizer's view of segment i (1..N) for one epoch: read-only, or
  // read-write; after the segments' windows.
  std::uintptr_t view_window(unsigned i, unsigned epoch, bool writable) const {
    return window(segments + 1 + ((i - 1) * kViewEpochs + epoch) * 2 + (writable ? 1 : 0));
  }
  // Any window: canonical, a segment's, or a view.
  bool in_reservation(std::uintptr_t a) const { return a >= canonical && a < end; }
  std::uintptr_t offset(const void *p) const { return reinterpret_cast<std::uintptr_t>(p) & mask; }
  bool in_heap(std::uintptr_t off) const { return off >= heap_begin && off < heap_end; }
  // Marker of the granule at offset off, in the window at base (as
  // _stm_marker in stmify/detail/barriers.h).
  read_marker *marker(std::uintptr_t base, std::uintptr_t off) const {
    return reinterpret_cast<read_marker *>(base) + off / kGranule;
  }
};

extern heap_layout g_heap;
extern config g_config;

// Reads the configuration and reserves the address space, once per process.
void ensure_setup() noexcept;

// Gives a range of segment pages back to the system. Read markers then read as
// zeros, heap pages as the heap file's (zeros where it has none, and always
// without shared pages).
void drop_pages(std::uintptr_t from, std::size_t length) noexcept;

struct page_range {
  std::uintptr_t from, to;
};
// The pages of the read markers of the window at base, for the heap up to
// heap_top.
page_range marker_pages(std::uintptr_t base, std::uintptr_t heap_top) noexcept;

// Zeroes the read markers of a window that goes unused (a stale segment): its
// pages are dropped, not written, so that markers nobody set stay unmapped.
void clear_markers(std::uintptr_t base, std::uintptr_t heap_top) noexcept;

// The same for a segment that goes on being used (its read version wraps):
// the marker pages that may hold data are written with zeros, the others
// stay unmapped. Dropped, each page the next transactions mark would take a
// page fault again, and each drop a TLB shootdown.
void reset_markers(std::uintptr_t base, std::uintptr_t heap_top) noexcept;

// Zeroes the markers of the blocks in [start, start + bytes) (heap
// offsets, whole blocks) of the window at base.
void clear_marker_range(std::uintptr_t base, std::uintptr_t start, std::size_t bytes) noexcept;

} // namespace stm::rt

#endif
