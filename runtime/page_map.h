// Which pages of a range may hold data, as /proc/self/pagemap says: the
// collector scans only those for roots, and a segment whose read version
// wraps zeroes only those of its read markers.
#ifndef STMIFY_RUNTIME_PAGE_MAP_H
#define STMIFY_RUNTIME_PAGE_MAP_H

#include "heap.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fcntl.h>
#include <unistd.h>

namespace stm::rt {

// A page map entry: may the page hold data (present, or swapped out; bits
// 63 and 62)? A page that is neither was never written and reads as zeros.
// mincore would not do: it calls a swapped-out page absent, and the objects
// the words of such a page keep alive would be freed.
inline bool page_may_hold_data(std::uint64_t pagemap_entry) noexcept {
  return (pagemap_entry >> 62) & 3;
}

// Does the window hold a page of its own there (resident or swapped out; bit
// 61 clear: not a page of a file)? A heap page that is not one reads the heap
// file's page (shared_pages.h).
inline bool page_is_private_copy(std::uint64_t pagemap_entry) noexcept {
  return page_may_hold_data(pagemap_entry) && !((pagemap_entry >> 61) & 1);
}

class page_map {
public:
  page_map() noexcept : fd_(open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) {}
  ~page_map() {
    if (fd_ >= 0)
      close(fd_);
  }
  page_map(const page_map &) = delete;
  page_map &operator=(const page_map &) = delete;

  // Without a page map (a restricted /proc) nothing can be told apart.
  bool available() const noexcept { return fd_ >= 0; }

  // The entries of `pages` pages from `begin`; false if they cannot be read.
  bool read(std::uintptr_t begin, std::size_t pages, std::uint64_t *entries) noexcept {
    const std::size_t bytes = pages * sizeof entries[0];
    return fd_ >= 0 &&
           pread(fd_, entries, bytes, static_cast<off_t>(begin / kPage * sizeof entries[0])) ==
               static_cast<ssize_t>(bytes);
  }

  // Calls visit(page_begin, page_end) for each run of whole pages of
  // [begin, end) that may hold data; for all of what is left where the
  // page map cannot tell (none, or the mapping changed under us).
  template <class F> void for_each_used_run(std::uintptr_t begin, std::uintptr_t end, F &&visit) {
    if (fd_ < 0) {
      visit(begin, end);
      return;
    }
    constexpr std::size_t kBatch = 512;
    std::uint64_t entries[kBatch];
    for (std::uintptr_t page = begin; page < end;) {
      const std::size_t count = std::min<std::size_t>(kBatch, (end - page) / kPage);
      const ssize_t got = pread(fd_, entries, count * sizeof entries[0],
                                static_cast<off_t>(page / kPage * sizeof entries[0]));
      if (got <= 0) {
        visit(page, end);
        return;
      }
      const std::size_t n = static_cast<std::size_t>(got) / sizeof entries[0];
      for (std::size_t i = 0; i < n;) {
        if (!page_may_hold_data(entries[i])) {
          ++i;
          continue;
        }
        std::size_t j = i;
        while (j < n && page_may_hold_data(entries[j]))
          ++j;
        visit(page + i * kPage, page + j * kPage);
        i = j;
      }
      page += n * kPage;
    }
  }

private:
  int fd_;
};

} // namespace stm::rt

#endif
