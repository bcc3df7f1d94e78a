#include "allocator.h"

#include "diagnostics.h"
#include "heap.h"
#include "segment.h"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>

namespace stm::rt {
namespace {

block_info *g_blocks = nullptr;
std::atomic<std::uintptr_t> g_heap_top{0};

// Takes `count` fresh blocks from the heap; 0 when the heap is exhausted.
std::uintptr_t take_blocks(std::size_t count) {
  std::uintptr_t bytes = count * kBlock;
  std::uintptr_t top = g_heap_top.load(std::memory_order_relaxed);
  do {
    if (top + bytes > g_heap.heap_end)
      return 0;
  } while (!g_heap_top.compare_exchange_weak(top, top + bytes, std::memory_order_relaxed));
  return top;
}

std::size_t block_index(std::uintptr_t off) { return (off - g_heap.heap_begin) / kBlock; }

allocation_state::cursor &cursor_for(allocation_state &a, unsigned cls, std::uint16_t header) {
  for (auto &c : a.cursors)
    if (c.cls == cls && c.header == header)
      return c;
  a.cursors.push_back({static_cast<std::uint16_t>(cls), header, 0, 0, {}});
  return a.cursors.back();
}

} // namespace

unsigned size_class(std::size_t n) noexcept {
  if (n <= 256)
    return n == 0 ? 0 : static_cast<unsigned>((n - 1) / 16);
  // Four classes per doubling above 256: 320..512, 640..1024, ...
  unsigned cls = 16;
  std::size_t base = 256;
  while (n > 2 * base) {
    base *= 2;
    cls += 4;
  }
  return cls + static_cast<unsigned>((n - base - 1) / (base / 4));
}

std::size_t class_size(unsigned cls) noexcept {
  if (cls < 16)
    return (cls + 1) * 16;
  std::size_t base = std::size_t(256) << ((cls - 16) / 4);
  return base + (cls - 16) % 4 * (base / 4) + base / 4;
}

void setup_allocator() noexcept {
  std::size_t blocks = (g_heap.heap_end - g_heap.heap_begin) / kBlock;
  void *table = mmap(nullptr, blocks * sizeof(block_info), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (table == MAP_FAILED)
    fatal("cannot allocate the heap's block table (%s)", std::strerror(errno));
  g_blocks = static_cast<block_info *>(table);
  g_heap_top.store(g_heap.heap_begin, std::memory_order_relaxed);
}

block_info &block_at(std::uintptr_t off) noexcept { return g_blocks[block_index(off)]; }

std::uintptr_t heap_top() noexcept { return g_heap_top.load(std::memory_order_acquire); }

std::uintptr_t allocate_object(segment &seg, std::size_t size, std::size_t header) noexcept {
  size = round_up(size < kGranule ? kGranule : size, kGranule);
  if (size > kMaxSmall) {
    std::size_t count = (size + kBlock - 1) / kBlock;
    std::uintptr_t start = take_blocks(count);
    if (start == 0)
      return 0;
    block_info &head = block_at(start);
    head.slot_size = static_cast<std::uint32_t>(size);
    head.blocks = static_cast<std::uint32_t>(count);
    head.header = static_cast<std::uint16_t>(header);
    for (std::size_t i = 1; i < count; ++i)
      block_at(start + i * kBlock).kind = block_kind::large_tail;
    head.kind = block_kind::large_head;
    return start;
  }
  unsigned cls = size_class(size);
  auto &c = cursor_for(seg.alloc, cls, static_cast<std::uint16_t>(header));
  if (!c.free.empty()) {
    std::uintptr_t slot = c.free.back();
    c.free.pop_back();
    return slot;
  }
  std::size_t slot_size = class_size(cls);
  if (c.next + slot_size > c.end) {
    std::uintptr_t block = take_blocks(1);
    if (block == 0)
      return 0;
    block_info &info = block_at(block);
    info.slot_size = static_cast<std::uint32_t>(slot_size);
    info.header = static_cast<std::uint16_t>(header);
    info.kind = block_kind::small;
    c.next = block;
    c.end = block + kBlock / slot_size * slot_size;
  }
  std::uintptr_t slot = c.next;
  c.next += slot_size;
  return slot;
}

void free_unpublished(segment &seg, std::uintptr_t start) noexcept {
  block_info &info = block_at(start);
  if (info.kind != block_kind::small)
    return; // a large run is left to the collector
  auto &c = cursor_for(seg.alloc, size_class(info.slot_size), info.header);
  c.free.push_back(start);
}

} // namespace stm::rt
