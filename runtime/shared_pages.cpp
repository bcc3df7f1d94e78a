#include "shared_pages.h"

#include "allocator.h"
#include "diagnostics.h"
#include "heap.h"
#include "page_map.h"
#include "registry.h"
#include "segment.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/falloc.h>
#include <mutex>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace stm::rt {

namespace {

bool g_shared = false;
// The heap file; its offsets are window offsets. It is written with pwrite
// and read through the windows that read it: a mapping of its own would
// count every page again in the process's resident size.
int g_file = -1;
// Held while the heap file is written or pages are shared against it, and
// across fork().
std::mutex g_file_lock;
// After fork() the parent and the child map the same heap file, and a write
// to it by either would show through the other's shared pages: neither
// writes it again. Pages equal to it are still shared. (Under g_file_lock.)
bool g_file_frozen = false;

void lock_file() { g_file_lock.lock(); }
void freeze_file() {
  g_file_frozen = true;
  g_file_lock.unlock();
}

constexpr std::size_t kBatchPages = 512;

unsigned char *page_of(const segment &seg, std::uintptr_t off) noexcept {
  return reinterpret_cast<unsigned char *>(seg.base + off);
}

// A page is held once when this many current segments hold it alike. Two
// may keep copies: sharing those would only make them copy the page again
// at their next write (a page fault and 4 KiB each), for at most one page
// saved; with two segments, the common case, pages are never shared again.
constexpr unsigned kShareFrom = 3;

// Pages a segment gives back, or the heap file forgets, gathered into runs:
// a system call per run.
struct page_run {
  std::uintptr_t from = 0, to = 0;
  template <class Give> void add(std::uintptr_t page, Give &&give) noexcept {
    if (page != to) {
      flush(give);
      from = page;
    }
    to = page + kPage;
  }
  template <class Give> void flush(Give &&give) noexcept {
    if (to > from)
      give(from, to - from);
    from = to = 0;
  }
};

// Do two versions of a page hold the same bytes where objects lie? The
// rest (free slots, free blocks) holds nothing anyone reads, and differs
// between segments with what each held there before.
bool alike_where_objects_lie(const unsigned char *a, const unsigned char *b,
                             const page_granules &live) noexcept {
  constexpr std::size_t kGranules = kPage / kGranule;
  auto is_live = [&](std::size_t i) { return (live[i / 64] >> (i % 64)) & 1; };
  for (std::size_t i = 0; i < kGranules;) {
    if (!is_live(i)) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < kGranules && is_live(j))
      ++j;
    if (std::memcmp(a + i * kGranule, b + i * kGranule, (j - i) * kGranule) != 0)
      return false;
    i = j;
  }
  return true;
}

void give_back(std::uintptr_t from, std::size_t length) noexcept { drop_pages(from, length); }
void write_file(std::uintptr_t off, const unsigned char *bytes) noexcept {
  if (pwrite(g_file, bytes, kPage, static_cast<off_t>(off)) != static_cast<ssize_t>(kPage))
    fatal("cannot write the heap file (%s)", std::strerror(errno));
}
void forget(std::uintptr_t from, std::size_t length) noexcept {
  fallocate(g_file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(from),
            static_cast<off_t>(length));
}

// A current segment in share_equal_pages: its page-map entries for one batch.
struct current_window {
  segment *seg;
  bool droppable; // no thread can write into it while the world is stopped
  bool clean;     // and it holds no uncommitted writes
  bool alike = false;
  page_run run;
  std::uint64_t entries[kBatchPages];
};

} // namespace

void setup_shared_pages() noexcept {
  // With fewer segments nothing is ever shared (kShareFrom), and a file
  // behind the windows would only cost a page of zeros for each fresh page.
  if (g_heap.segments < kShareFrom || g_heap.sanitizer)
    return;
  // Without the page map, whether a window still shares a page cannot be
  // told: the windows stay private.
  if (!page_map().available())
    return;
  const int fd = memfd_create("stmify-heap", MFD_CLOEXEC);
  if (fd < 0)
    return;
  if (ftruncate(fd, static_cast<off_t>(g_heap.window_size)) != 0) {
    close(fd);
    return;
  }
  if (pthread_atfork(lock_file, freeze_file, freeze_file) != 0) {
    close(fd);
    return;
  }
  g_file = fd;
  g_shared = true;
}

bool pages_shared() noexcept { return g_shared; }

std::size_t heap_file_bytes() noexcept {
  struct stat file{};
  if (!g_shared || fstat(g_file, &file) != 0)
    return 0;
  return static_cast<std::size_t>(file.st_blocks) * 512;
}

void map_shared_heap(std::uintptr_t base, unsigned segment_index) noexcept {
  const std::uintptr_t from = g_heap.heap_begin;
  if (mmap(reinterpret_cast<void *>(base + from), g_heap.window_size - from, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED, g_file, static_cast<off_t>(from)) == MAP_FAILED)
    fatal("cannot map the heap of segment %u (%s)", segment_index, std::strerror(errno));
}

void copy_differing_pages(segment &from, bool from_idle, segment &to, std::uintptr_t begin,
                          std::uintptr_t end) noexcept {
  const unsigned others = current_segments() - !to.stale;
  // With fewer segments, `to` would keep its copies anyway (kShareFrom).
  if (!g_shared || others + 1 < kShareFrom) {
    std::memcpy(page_of(to, begin), page_of(from, begin), end - begin);
    return;
  }
  std::lock_guard<std::mutex> lock(g_file_lock);
  page_map map; // opened each time: a forked child must not read its parent's
  std::uint64_t entries[kBatchPages], to_entries[kBatchPages], from_entries[kBatchPages];
  bool differs[kBatchPages], keep_in_file[kBatchPages];
  // The file's bytes are read into a buffer, not through `to`: a page `to`
  // maps to read would take a TLB shootdown on every core at its first
  // write, where a page it never touched takes none.
  // (Read one page at a time into this frame: a buffer from malloc would
  // leave heap bytes where the collector looks for roots.)
  alignas(16) unsigned char file_page[kPage];
  page_run given_back;
  for (std::uintptr_t batch = begin; batch < end; batch += kBatchPages * kPage) {
    const std::size_t pages = std::min(kBatchPages, (end - batch) / kPage);
    if (!map.read(to.base + batch, pages, to_entries)) {
      std::memcpy(page_of(to, batch), page_of(from, batch), pages * kPage);
      continue;
    }
    bool any = false;
    for (std::size_t p = 0; p < pages; ++p) {
      const std::uintptr_t off = batch + p * kPage;
      const unsigned char *seen = page_of(to, off);
      if (!page_is_private_copy(to_entries[p])) {
        if (pread(g_file, file_page, kPage, static_cast<off_t>(off)) != static_cast<ssize_t>(kPage))
          fatal("cannot read the heap file (%s)", std::strerror(errno));
        seen = file_page;
      }
      differs[p] = std::memcmp(seen, page_of(from, off), kPage) != 0;
      any = any || differs[p];
    }
    // A page goes into the heap file only if `to` reads it from there and no
    // current segment does; pages change from private to shared only under
    // this lock and the log reclaimer's, so what the map shows stays true.
    bool can_tell = any && !g_file_frozen;
    for (std::size_t p = 0; p < pages && can_tell; ++p)
      keep_in_file[p] = !page_is_private_copy(to_entries[p]);
    for (unsigned i = 1; i <= g_heap.segments && can_tell; ++i) {
      const segment &seg = segment_at(i);
      if (&seg == &to || seg.stale)
        continue;
      can_tell = map.read(seg.base + batch, pages, entries);
      for (std::size_t p = 0; p < pages && can_tell; ++p)
        keep_in_file[p] = keep_in_file[p] && page_is_private_copy(entries[p]);
    }
    // An idle donor (no thread can write into it) gives back its copy of a
    // page that `to` now reads alike from the file.
    const bool from_known = from_idle && map.read(from.base + batch, pages, from_entries);
    for (std::size_t p = 0; p < pages; ++p) {
      const std::uintptr_t off = batch + p * kPage;
      bool in_file = !differs[p] && !page_is_private_copy(to_entries[p]);
      if (differs[p]) {
        in_file = can_tell && keep_in_file[p];
        if (in_file)
          write_file(off, page_of(from, off));
        else
          std::memcpy(page_of(to, off), page_of(from, off), kPage);
      }
      if (in_file && from_known && page_is_private_copy(from_entries[p]))
        given_back.add(from.base + off, give_back);
    }
  }
  given_back.flush(give_back);
}

bool forget_pages(std::uintptr_t start, std::size_t length) noexcept {
  if (!g_shared)
    return true; // dropped from private memory: zeros
  std::lock_guard<std::mutex> lock(g_file_lock);
  return !g_file_frozen && fallocate(g_file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                     static_cast<off_t>(start), static_cast<off_t>(length)) == 0;
}

void share_equal_pages() noexcept {
  if (!g_shared)
    return;
  std::lock_guard<std::mutex> lock(g_file_lock);
  page_map map;
  std::vector<current_window> current;
  for (unsigned i = 1; i <= g_heap.segments; ++i) {
    segment &seg = segment_at(i);
    if (seg.stale)
      continue;
    thread_record *owner = seg.owner.load(std::memory_order_acquire);
    const bool droppable =
        owner == nullptr || (owner != kReclaimerOwner && owner->blocked_in == nullptr);
    current.push_back({&seg, droppable, droppable && seg.tx.writes.empty(), false, {}, {}});
  }
  page_run unread; // file pages no current segment reads
  alignas(16) unsigned char file_page[kPage];
  const std::uintptr_t top = heap_top();
  for (std::uintptr_t batch = g_heap.heap_begin; batch < top; batch += kBatchPages * kPage) {
    const std::size_t pages = std::min(kBatchPages, (top - batch) / kPage);
    bool known = true;
    for (current_window &w : current)
      known = known && map.read(w.seg->base + batch, pages, w.entries);
    if (!known)
      break; // the page map cannot tell: the rest stays as it is
    for (std::size_t p = 0; p < pages; ++p) {
      const std::uintptr_t off = batch + p * kPage;
      const block_info &block = block_at(off);
      // A free block is in no window and not in the file, or kept in the
      // windows for reuse, which sharing would undo.
      if (block.kind == block_kind::unused)
        continue;
      unsigned readers = 0, copies = 0;
      const current_window *source = nullptr;
      for (const current_window &w : current) {
        if (!page_is_private_copy(w.entries[p])) {
          ++readers;
        } else if (w.droppable) {
          ++copies;
          if (!source || (w.clean && !source->clean))
            source = &w;
        }
      }
      // The file's bytes when a segment reads them (read from the file: the
      // kernel may be writing into a reader's window, in a blocking call);
      // else a copy, and if too few are like it, one of the others (a
      // segment's own state, as a write-barrier flag its transaction
      // cleared, sets a copy apart).
      const unsigned char *model = source ? page_of(*source->seg, off) : nullptr;
      unsigned alike = readers;
      if (readers + copies >= kShareFrom && (readers || !g_file_frozen)) {
        if (readers) {
          if (pread(g_file, file_page, kPage, static_cast<off_t>(off)) !=
              static_cast<ssize_t>(kPage))
            continue;
          model = file_page;
        }
        page_granules live;
        allocated_granules(off, live);
        for (int attempt = 0; attempt < 2 && model; ++attempt) {
          alike = readers;
          const unsigned char *unlike = nullptr;
          for (current_window &w : current) {
            w.alike = w.droppable && page_is_private_copy(w.entries[p]) &&
                      alike_where_objects_lie(page_of(*w.seg, off), model, live);
            alike += w.alike;
            if (!w.alike && !unlike && w.droppable && page_is_private_copy(w.entries[p]))
              unlike = page_of(*w.seg, off);
          }
          if (alike >= kShareFrom || readers)
            break;
          model = unlike;
        }
      }
      if (alike < kShareFrom) {
        // The file's bytes of a page that no current segment reads are
        // never read again (a stale segment compares before it uses them).
        if (!readers && !g_file_frozen)
          unread.add(off, forget);
        continue;
      }
      if (!readers)
        write_file(off, model);
      for (current_window &w : current)
        if (w.alike)
          w.run.add(w.seg->base + off, give_back);
    }
  }
  for (current_window &w : current)
    w.run.flush(give_back);
  unread.flush(forget);
}

} // namespace stm::rt
