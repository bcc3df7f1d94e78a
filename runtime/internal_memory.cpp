#include "internal_memory.h"

#include "diagnostics.h"
#include "gc.h"
#include "heap.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <sys/mman.h>

namespace stm::rt {
namespace {

constexpr unsigned kMinShift = 6; // 64 bytes
constexpr unsigned kClasses = 40; // up to 2^45 bytes
// Freed blocks keep their pages (they are reused soon, and refaulting costs
// more than the memory) unless they are huge.
constexpr std::size_t kReleaseAbove = std::size_t(64) << 20;

std::mutex g_lock;
std::uintptr_t g_begin = 0, g_next = 0, g_end = 0;
void *g_free[kClasses]; // singly linked through the first word

unsigned class_of(std::size_t bytes) {
  unsigned c = 0;
  while ((std::size_t(1) << (c + kMinShift)) < bytes)
    ++c;
  return c;
}

} // namespace

void setup_internal_memory() noexcept {
  // Address space only; pages are used as needed. Where the address space is
  // limited (a debugger's or valgrind's, or no overcommit), a smaller region.
  std::size_t size = std::size_t(64) << 30;
  void *region = MAP_FAILED;
  for (; size >= (std::size_t(256) << 20); size /= 2) {
    region = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region != MAP_FAILED)
      break;
  }
  if (region == MAP_FAILED)
    fatal("cannot reserve the runtime's internal memory (%s)", std::strerror(errno));
  g_begin = g_next = reinterpret_cast<std::uintptr_t>(region);
  g_end = g_begin + size;
  note_runtime_region(region, size);
}

void *internal_allocate(std::size_t bytes) noexcept {
  const unsigned c = class_of(bytes);
  const std::size_t size = std::size_t(1) << (c + kMinShift);
  std::lock_guard<std::mutex> lock(g_lock);
  if (void *p = g_free[c]) {
    g_free[c] = *static_cast<void **>(p);
    return p;
  }
  if (g_next + size > g_end)
    fatal("the runtime's internal memory (commit log and backups) is exhausted");
  void *p = reinterpret_cast<void *>(g_next);
  g_next += size;
  return p;
}

void internal_free(void *p, std::size_t bytes) noexcept {
  const unsigned c = class_of(bytes);
  const std::size_t size = std::size_t(1) << (c + kMinShift);
  if (size > kReleaseAbove) // keep the address, give the pages back
    madvise(static_cast<char *>(p) + kPage, size - kPage, MADV_DONTNEED);
  std::lock_guard<std::mutex> lock(g_lock);
  *static_cast<void **>(p) = g_free[c];
  g_free[c] = p;
}

} // namespace stm::rt
