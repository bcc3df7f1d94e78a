#include "allocator.h"

#include "diagnostics.h"
#include "gc.h"
#include "heap.h"
#include "immortal.h"
#include "segment.h"
#include "shared_pages.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <sys/mman.h>
#include <unordered_map>

namespace stm::rt {
namespace {

block_info *g_blocks = nullptr;
std::uint64_t *g_alloc_bits = nullptr; // one bit per granule: an object starts here
std::uint64_t *g_mark_bits = nullptr;  // one bit per granule: marked by the collector
std::atomic<std::uintptr_t> g_heap_top{0};

// Blocks not in use (runs, by start) and small blocks with free slots that no
// cursor owns, by (size class, header offset). Touched when a cursor runs out,
// for large objects, and by the collector.
std::mutex g_blocks_lock;
struct free_blocks_tag;
std::map<std::uintptr_t, std::size_t> &free_runs() {
  return immortal<std::map<std::uintptr_t, std::size_t>, free_blocks_tag>();
}
std::unordered_map<std::uint32_t, std::vector<std::uintptr_t>> &partial_blocks() {
  return immortal<std::unordered_map<std::uint32_t, std::vector<std::uintptr_t>>,
                  free_blocks_tag>();
}

std::uint32_t partial_key(unsigned cls, std::uint16_t header) { return cls << 16 | header; }

std::size_t granule(std::uintptr_t off) { return (off - g_heap.heap_begin) / kGranule; }
std::size_t block_index(std::uintptr_t off) { return (off - g_heap.heap_begin) / kBlock; }
std::uintptr_t block_start(std::uintptr_t off) {
  return g_heap.heap_begin + block_index(off) * kBlock;
}

bool test_bit(const std::uint64_t *bits, std::uintptr_t off) {
  std::size_t g = granule(off);
  return (bits[g / 64] >> (g % 64)) & 1;
}
void set_bit(std::uint64_t *bits, std::uintptr_t off) {
  std::size_t g = granule(off);
  bits[g / 64] |= std::uint64_t(1) << (g % 64);
}
void clear_bit(std::uint64_t *bits, std::uintptr_t off) {
  std::size_t g = granule(off);
  bits[g / 64] &= ~(std::uint64_t(1) << (g % 64));
}

void *map_table(std::size_t bytes, const char *what) {
  void *table = mmap(nullptr, round_up(bytes, kPage), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (table == MAP_FAILED)
    fatal("cannot allocate the heap's %s (%s)", what, std::strerror(errno));
  note_runtime_region(table, round_up(bytes, kPage));
  return table;
}

// Takes a run of `count` unused blocks; 0 when the heap limit is reached.
// `zeroed` tells whether all of it is zero in every window.
std::uintptr_t take_blocks(std::size_t count, bool &zeroed) {
  std::lock_guard<std::mutex> lock(g_blocks_lock);
  auto &runs = free_runs();
  for (auto it = runs.begin(); it != runs.end(); ++it) {
    if (it->second < count)
      continue;
    std::uintptr_t start = it->first;
    std::size_t left = it->second - count;
    runs.erase(it);
    if (left)
      runs.emplace(start + count * kBlock, left);
    zeroed = true;
    for (std::size_t i = 0; i < count; ++i)
      zeroed = zeroed && g_blocks[block_index(start) + i].zeroed;
    return start;
  }
  std::uintptr_t top = g_heap_top.load(std::memory_order_relaxed);
  if (top + count * kBlock > g_heap.heap_end)
    return 0;
  g_heap_top.store(top + count * kBlock, std::memory_order_release);
  zeroed = true; // never used
  return top;
}

// Caller holds g_blocks_lock.
void give_back_run(std::uintptr_t start, std::size_t count, bool zeroed) {
  for (std::size_t i = 0; i < count; ++i) {
    g_blocks[block_index(start) + i] = block_info{};
    g_blocks[block_index(start) + i].zeroed = zeroed;
  }
  auto &runs = free_runs();
  auto next = runs.lower_bound(start);
  if (next != runs.end() && next->first == start + count * kBlock) {
    count += next->second;
    next = runs.erase(next);
  }
  if (next != runs.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second * kBlock == start) {
      prev->second += count;
      return;
    }
  }
  runs.emplace(start, count);
}

allocation_state::cursor &cursor_for(allocation_state &a, unsigned cls, std::uint16_t header) {
  for (auto &c : a.cursors)
    if (c.cls == cls && c.header == header)
      return c;
  a.cursors.push_back({static_cast<std::uint16_t>(cls), header, 0, 0, 0, false});
  return a.cursors.back();
}

std::uintptr_t next_free_slot(allocation_state::cursor &c, std::size_t slot_size) {
  while (c.block && c.next + slot_size <= c.end) {
    std::uintptr_t slot = c.next;
    c.next += slot_size;
    if (!test_bit(g_alloc_bits, slot))
      return slot;
  }
  return 0;
}

// Gives the cursor a block with free slots; false when the heap is full.
bool refill(segment &seg, allocation_state::cursor &c, unsigned cls) {
  if (c.block)
    block_at(c.block).owner = 0;
  c.block = 0;
  const std::size_t slot_size = class_size(cls);
  std::uintptr_t block = 0;
  std::size_t free_bytes = kBlock;
  bool zeroed = false;
  {
    std::lock_guard<std::mutex> lock(g_blocks_lock);
    auto it = partial_blocks().find(partial_key(cls, c.header));
    if (it != partial_blocks().end() && !it->second.empty()) {
      block = it->second.back();
      it->second.pop_back();
      free_bytes = block_at(block).free_bytes; // counted by the sweep
    }
  }
  if (!block) {
    block = take_blocks(1, zeroed);
    if (!block)
      return false;
  }
  block_info &info = block_at(block);
  info.kind = block_kind::small;
  info.slot_size = static_cast<std::uint32_t>(slot_size);
  info.header = c.header;
  info.owner = static_cast<std::uint16_t>(seg.index);
  info.free_bytes = 0;
  info.zeroed = false;
  c.block = block;
  c.next = block;
  c.end = block + kBlock / slot_size * slot_size;
  c.zeroed = zeroed;
  note_allocated(free_bytes);
  return true;
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
  const std::size_t bytes = g_heap.heap_end - g_heap.heap_begin;
  g_blocks =
      static_cast<block_info *>(map_table(bytes / kBlock * sizeof(block_info), "block table"));
  const std::size_t bitmap = bytes / kGranule / 8;
  g_alloc_bits = static_cast<std::uint64_t *>(map_table(bitmap, "allocation bitmap"));
  g_mark_bits = static_cast<std::uint64_t *>(map_table(bitmap, "mark bitmap"));
  g_heap_top.store(g_heap.heap_begin, std::memory_order_relaxed);
}

block_info &block_at(std::uintptr_t off) noexcept { return g_blocks[block_index(off)]; }

std::uintptr_t heap_top() noexcept { return g_heap_top.load(std::memory_order_acquire); }

std::uintptr_t allocate_object(segment &seg, std::size_t size, std::size_t header,
                               bool &zeroed) noexcept {
  size = round_up(size < kGranule ? kGranule : size, kGranule);
  bool collected = false;
  auto collect_once = [&] {
    if (collected)
      return false;
    collect_garbage("the heap is full");
    collected = true;
    return true;
  };
  if (size > kMaxSmall) {
    const std::size_t count = (size + kBlock - 1) / kBlock;
    if (collection_due())
      collect_garbage("allocation volume"), collected = true;
    std::uintptr_t start;
    while (!(start = take_blocks(count, zeroed)))
      if (!collect_once())
        return 0;
    block_info &head = block_at(start);
    head.slot_size = static_cast<std::uint32_t>(size);
    head.blocks = static_cast<std::uint32_t>(count);
    head.header = static_cast<std::uint16_t>(header);
    for (std::size_t i = 1; i < count; ++i) {
      block_info &tail = block_at(start + i * kBlock);
      tail.kind = block_kind::large_tail;
      tail.head = static_cast<std::uint32_t>(i);
    }
    head.kind = block_kind::large_head;
    set_bit(g_alloc_bits, start);
    note_allocated(count * kBlock);
    return start;
  }
  const unsigned cls = size_class(size);
  const std::size_t slot_size = class_size(cls);
  for (;;) {
    // The cursor is looked up again after a collection, which resets them all.
    auto &c = cursor_for(seg.alloc, cls, static_cast<std::uint16_t>(header));
    if (std::uintptr_t slot = next_free_slot(c, slot_size)) {
      set_bit(g_alloc_bits, slot);
      zeroed = c.zeroed;
      return slot;
    }
    if (!collected && collection_due()) {
      collect_garbage("allocation volume");
      collected = true;
      continue;
    }
    if (!refill(seg, c, cls) && !collect_once())
      return 0;
  }
}

void free_unpublished(segment &seg, std::uintptr_t start) noexcept {
  block_info &info = block_at(start);
  if (info.kind == block_kind::large_head) {
    clear_bit(g_alloc_bits, start);
    // Free blocks have zero markers in every segment (see sweep); only this
    // one's transaction saw the object.
    clear_marker_range(seg.base, start, std::size_t(info.blocks) * kBlock);
    std::lock_guard<std::mutex> lock(g_blocks_lock);
    give_back_run(start, info.blocks, false);
    return;
  }
  // Only the owning cursor touches a small block's bits; a slot in a block the
  // segment no longer owns is left for the collector.
  if (info.kind != block_kind::small || info.owner != seg.index)
    return;
  clear_bit(g_alloc_bits, start);
  for (auto &c : seg.alloc.cursors)
    if (c.block == block_start(start) && start < c.next) {
      c.next = start;
      c.zeroed = false;
    }
}

std::uintptr_t object_containing(std::uintptr_t off) noexcept {
  if (off < g_heap.heap_begin || off >= heap_top())
    return 0;
  // Most references point to an object's start (canonical ones do): no
  // division by the slot size then.
  if (off % kGranule == 0 && test_bit(g_alloc_bits, off))
    return off;
  const block_info &info = block_at(off);
  std::uintptr_t start;
  switch (info.kind) {
  case block_kind::small: {
    std::uintptr_t base = block_start(off);
    start = base + (off - base) / info.slot_size * info.slot_size;
    if (start + info.slot_size > base + kBlock)
      return 0;
    break;
  }
  case block_kind::large_head:
    start = block_start(off);
    break;
  case block_kind::large_tail:
    start = block_start(off) - std::uintptr_t(info.head) * kBlock;
    break;
  default:
    return 0;
  }
  return test_bit(g_alloc_bits, start) ? start : 0;
}

void allocated_granules(std::uintptr_t page, page_granules &granules) noexcept {
  std::fill(std::begin(granules), std::end(granules), 0);
  auto mark = [&](std::uintptr_t from, std::uintptr_t to) {
    from = std::max(from, page);
    to = std::min(to, page + kPage);
    for (std::uintptr_t g = from; g < to; g += kGranule) {
      const std::size_t i = (g - page) / kGranule;
      granules[i / 64] |= std::uint64_t(1) << (i % 64);
    }
  };
  const block_info &info = block_at(page);
  switch (info.kind) {
  case block_kind::small: {
    const std::uintptr_t base = block_start(page), slot = info.slot_size;
    for (std::uintptr_t s = base + (page - base) / slot * slot;
         s < page + kPage && s + slot <= base + kBlock; s += slot)
      if (test_bit(g_alloc_bits, s))
        mark(s, s + slot);
    break;
  }
  case block_kind::large_head:
  case block_kind::large_tail: {
    const std::uintptr_t head = object_containing(page);
    if (head && test_bit(g_alloc_bits, head))
      mark(head, head + block_at(head).slot_size);
    break;
  }
  default:
    break;
  }
}

std::size_t allocation_size(std::uintptr_t start) noexcept {
  const block_info &info = block_at(start);
  return info.slot_size;
}

bool is_marked(std::uintptr_t start) noexcept { return test_bit(g_mark_bits, start); }

bool mark_once(std::uintptr_t start) noexcept {
  const std::size_t g = granule(start);
  const std::uint64_t bit = std::uint64_t(1) << (g % 64);
  if (g_mark_bits[g / 64] & bit)
    return false;
  g_mark_bits[g / 64] |= bit;
  return true;
}

sweep_result sweep(segment *segments, unsigned count) noexcept {
  sweep_result r;
  for (unsigned i = 1; i <= count; ++i) {
    segments[i].alloc.cursors.clear();
  }
  std::lock_guard<std::mutex> lock(g_blocks_lock);
  partial_blocks().clear();
  std::vector<std::pair<std::uintptr_t, std::size_t>> released; // runs freed
  const std::uintptr_t top = g_heap_top.load(std::memory_order_relaxed);
  for (std::uintptr_t b = g_heap.heap_begin; b < top;) {
    block_info &info = block_at(b);
    if (info.kind == block_kind::large_head) {
      const std::size_t run = info.blocks;
      if (test_bit(g_mark_bits, b)) {
        clear_bit(g_mark_bits, b);
        r.live_bytes += info.slot_size;
      } else {
        clear_bit(g_alloc_bits, b);
        r.freed_bytes += info.slot_size;
        ++r.freed_objects;
        released.push_back({b, run});
      }
      b += run * kBlock;
      continue;
    }
    if (info.kind == block_kind::small) {
      info.owner = 0;
      const std::size_t slot = info.slot_size;
      std::size_t live = 0, free_slots = 0;
      for (std::uintptr_t s = b; s + slot <= b + kBlock; s += slot) {
        if (!test_bit(g_alloc_bits, s)) {
          ++free_slots;
        } else if (test_bit(g_mark_bits, s)) {
          clear_bit(g_mark_bits, s);
          ++live;
        } else {
          clear_bit(g_alloc_bits, s);
          ++free_slots;
          r.freed_bytes += slot;
          ++r.freed_objects;
        }
      }
      r.live_bytes += live * slot;
      if (live == 0) {
        released.push_back({b, 1});
      } else if (free_slots) {
        info.free_bytes = static_cast<std::uint32_t>(free_slots * slot);
        partial_blocks()[partial_key(size_class(slot), info.header)].push_back(b);
      }
    }
    b += kBlock;
  }
  // Freed blocks are reused soonest if they stay resident (zeroing a page
  // costs much less than faulting it in again); beyond what the program may
  // allocate before the next collection, their pages go back to the system in
  // every segment window.
  const std::size_t keep_resident = allocation_budget(r.live_bytes);
  std::size_t kept = 0;
  std::sort(released.begin(), released.end());
  for (std::size_t i = 0; i < released.size();) {
    std::uintptr_t start = released[i].first;
    std::size_t blocks = released[i].second;
    while (++i < released.size() && released[i].first == start + blocks * kBlock)
      blocks += released[i].second;
    const bool release = kept + blocks * kBlock > keep_resident;
    // A marker left on free blocks would read as a card's flag on a later
    // array there: writes to that card would be neither published nor undone.
    // (Stale segments have none: their markers were zeroed.)
    for (unsigned s = 1; s <= count; ++s)
      if (!segments[s].stale)
        clear_marker_range(segments[s].base, start, blocks * kBlock);
    bool zeroed = false;
    if (release) {
      r.released_blocks += blocks;
      for (unsigned s = 1; s <= count; ++s)
        drop_pages(segments[s].base + start, blocks * kBlock);
      zeroed = forget_pages(start, blocks * kBlock);
    } else {
      kept += blocks * kBlock;
    }
    give_back_run(start, blocks, zeroed);
  }
  return r;
}

} // namespace stm::rt
