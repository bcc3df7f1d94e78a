#include "heap.h"

#include "diagnostics.h"

#include <stmify/stm.h>

#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <sys/mman.h>

uintptr_t _stm_canonical_base;
uintptr_t _stm_segment_mask;

namespace stm::rt {

heap_layout g_heap;
config g_config;

namespace {

std::uintptr_t next_power_of_two(std::uintptr_t n) {
  std::uintptr_t p = 1;
  while (p < n)
    p <<= 1;
  return p;
}

void reserve_windows() {
  const std::size_t limit = round_up(g_config.heap_limit, kBlock);
  // Markers take 1/16 of a window; the heap must fit in the other 15/16.
  const std::uintptr_t seg = next_power_of_two(limit + limit / 15 + 2 * kBlock);
  const unsigned n = static_cast<unsigned>(g_config.segments);
  const std::size_t windows = n + 1;
  if (seg > (std::uintptr_t(1) << 46) / (windows + 1))
    fatal("cannot reserve address space for %u segments of %zu MiB heap; "
          "lower STMIFY_SEGMENTS or STMIFY_HEAP_LIMIT",
          n, g_config.heap_limit >> 20);

  const std::size_t length = (windows + 1) * seg; // one extra for alignment
  void *raw = mmap(nullptr, length, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED)
    fatal("cannot reserve %zu GiB of address space for %u segments (%s); "
          "lower STMIFY_SEGMENTS or STMIFY_HEAP_LIMIT",
          length >> 30, n, std::strerror(errno));
  std::uintptr_t begin = reinterpret_cast<std::uintptr_t>(raw);
  std::uintptr_t base = round_up(begin, seg);
  if (base > begin)
    munmap(raw, base - begin);
  std::uintptr_t end = begin + length, used_end = base + windows * seg;
  if (end > used_end)
    munmap(reinterpret_cast<void *>(used_end), end - used_end);

  // Segment windows are private memory; the first page stays inaccessible so
  // that a barrier on a null reference faults.
  for (unsigned i = 1; i <= n; ++i) {
    void *w = reinterpret_cast<void *>(base + i * seg + kPage);
    if (mmap(w, seg - kPage, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
             0) == MAP_FAILED)
      fatal("cannot map segment %u (%s)", i, std::strerror(errno));
  }

  g_heap.segments = n;
  g_heap.window_size = seg;
  g_heap.mask = seg - 1;
  g_heap.canonical = base;
  g_heap.heap_begin = round_up(seg / 16, kBlock);
  g_heap.heap_end = g_heap.heap_begin + limit;
  g_heap.heap_limit = g_config.heap_limit;
  _stm_canonical_base = base;
  _stm_segment_mask = seg - 1;
}

pthread_once_t setup_once = PTHREAD_ONCE_INIT;

void setup() {
  g_config = read_config();
  reserve_windows();
}

} // namespace

void ensure_setup() noexcept { pthread_once(&setup_once, setup); }

void clear_markers(std::uintptr_t base, std::uintptr_t heap_top) noexcept {
  // Dropping pages costs a TLB shootdown on every core the process runs on;
  // for a small heap, writing zeros is much cheaper.
  constexpr std::size_t kDropAbove = 256 * 1024;
  std::uintptr_t from = (base + (g_heap.heap_begin >> 4)) & ~(kPage - 1);
  std::uintptr_t to = round_up(base + (heap_top >> 4), kPage);
  if (to <= from)
    return;
  if (to - from <= kDropAbove)
    std::memset(reinterpret_cast<void *>(from), 0, to - from);
  else if (madvise(reinterpret_cast<void *>(from), to - from, MADV_DONTNEED) != 0)
    fatal("cannot reset read markers (%s)", std::strerror(errno));
}

} // namespace stm::rt
