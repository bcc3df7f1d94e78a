#include "heap.h"

#include "diagnostics.h"
#include "page_map.h"
#include "shared_pages.h"

#include <stmify/stm.h>

#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

uintptr_t _stm_canonical_base;
uintptr_t _stm_segment_mask;
uintptr_t _stm_reservation_size;

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

// Without the sanitizer a segment window is private memory, its heap part
// mapped from the heap file when segments share pages. With the sanitizer,
// the window and its views are mappings of one memory file per segment, so
// that all of them show the same bytes; the views start inaccessible.
void map_segment(std::uintptr_t base, unsigned i, std::uintptr_t seg) {
  const std::size_t length = seg - kPage; // the first page stays inaccessible
  if (!g_heap.sanitizer) {
    if (mmap(reinterpret_cast<void *>(base + kPage), length, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
      fatal("cannot map segment %u (%s)", i, std::strerror(errno));
    if (pages_shared())
      map_shared_heap(base, i);
    return;
  }
  const int fd = memfd_create("stmify-segment", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(length)) != 0)
    fatal("cannot create the memory of segment %u for the barrier sanitizer (%s)", i,
          std::strerror(errno));
  auto map = [&](std::uintptr_t window, int protection) {
    if (mmap(reinterpret_cast<void *>(window + kPage), length, protection,
             MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd, 0) == MAP_FAILED)
      fatal("cannot map segment %u for the barrier sanitizer (%s)", i, std::strerror(errno));
  };
  map(base, PROT_READ | PROT_WRITE);
  for (unsigned epoch = 0; epoch < kViewEpochs; ++epoch) {
    map(g_heap.view_window(i, epoch, false), PROT_NONE);
    map(g_heap.view_window(i, epoch, true), PROT_NONE);
  }
  close(fd); // the mappings keep the memory
}

void reserve_windows() {
  const std::size_t limit = round_up(g_config.heap_limit, kBlock);
  // Markers take an eighth of a window (two bytes per 16); the heap must fit
  // in the other seven eighths.
  static_assert(kGranule / kMarkerBytes == 8);
  const std::uintptr_t seg = next_power_of_two(limit + limit / 7 + 2 * kBlock);
  const unsigned n = static_cast<unsigned>(g_config.segments);
  g_heap.sanitizer = g_config.sanitize != 0 && &_stm_sanitized_build != nullptr;
  const std::size_t windows = n + 1 + (g_heap.sanitizer ? 2 * kViewEpochs * n : 0);
  if (seg > (std::uintptr_t(1) << 46) / (windows + 1))
    fatal("cannot reserve address space for %u segments of %zu MiB heap%s; "
          "lower STMIFY_SEGMENTS or STMIFY_HEAP_LIMIT",
          n, g_config.heap_limit >> 20, g_heap.sanitizer ? " with the barrier sanitizer" : "");

  const std::size_t length = (windows + 1) * seg; // one extra for alignment
  void *raw = mmap(nullptr, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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

  g_heap.segments = n;
  g_heap.window_size = seg;
  g_heap.mask = seg - 1;
  g_heap.canonical = base;
  g_heap.end = used_end;
  g_heap.heap_begin = round_up(seg / kGranule * kMarkerBytes, kBlock);
  g_heap.heap_end = g_heap.heap_begin + limit;
  g_heap.heap_limit = g_config.heap_limit;
  setup_shared_pages();
  for (unsigned i = 1; i <= n; ++i)
    map_segment(g_heap.window(i), i, seg);
  _stm_canonical_base = base;
  _stm_segment_mask = seg - 1;
  _stm_reservation_size = used_end - base;
}

pthread_once_t setup_once = PTHREAD_ONCE_INIT;

void setup() {
  g_config = read_config();
  reserve_windows();
}

} // namespace

void ensure_setup() noexcept { pthread_once(&setup_once, setup); }

namespace {

// Dropping pages costs a TLB shootdown on every core the process runs on;
// for a small heap, writing zeros is much cheaper.
constexpr std::size_t kDropMarkersAbove = 256 * 1024;

} // namespace

page_range marker_pages(std::uintptr_t base, std::uintptr_t heap_top) noexcept {
  return {reinterpret_cast<std::uintptr_t>(g_heap.marker(base, g_heap.heap_begin)) & ~(kPage - 1),
          round_up(reinterpret_cast<std::uintptr_t>(g_heap.marker(base, heap_top)), kPage)};
}

void clear_markers(std::uintptr_t base, std::uintptr_t heap_top) noexcept {
  const page_range m = marker_pages(base, heap_top);
  if (m.to > m.from)
    drop_pages(m.from, m.to - m.from);
}

void reset_markers(std::uintptr_t base, std::uintptr_t heap_top) noexcept {
  const page_range m = marker_pages(base, heap_top);
  if (m.to <= m.from)
    return;
  if (m.to - m.from <= kDropMarkersAbove) {
    std::memset(reinterpret_cast<void *>(m.from), 0, m.to - m.from);
    return;
  }
  // The sanitizer's windows map a memory file, whose pages the page map
  // does not show as swapped out: they are dropped.
  if (g_heap.sanitizer)
    return clear_markers(base, heap_top);
  // Opened each time: a child process must not read its parent's map.
  page_map pages;
  if (!pages.available())
    return clear_markers(base, heap_top);
  pages.for_each_used_run(m.from, m.to, [](std::uintptr_t from, std::uintptr_t to) {
    std::memset(reinterpret_cast<void *>(from), 0, to - from);
  });
}

void clear_marker_range(std::uintptr_t base, std::uintptr_t start, std::size_t bytes) noexcept {
  // Only words that are set are written: a page of markers nobody set stays
  // untouched (reading it maps no memory), so freeing blocks does not make
  // every segment's markers for them resident.
  auto *words = reinterpret_cast<std::uint64_t *>(g_heap.marker(base, start));
  for (std::size_t i = 0, n = bytes / kGranule * kMarkerBytes / sizeof *words; i < n; ++i)
    if (words[i] != 0)
      words[i] = 0;
}

void drop_pages(std::uintptr_t from, std::size_t length) noexcept {
  // A shared mapping keeps its pages in the memory file unless they are
  // removed from it.
  if (madvise(reinterpret_cast<void *>(from), length,
              g_heap.sanitizer ? MADV_REMOVE : MADV_DONTNEED) != 0)
    fatal("cannot give back %zu bytes of segment memory (%s)", length, std::strerror(errno));
}

} // namespace stm::rt
