// Runtime paths that must not throw, run while the allocator refuses memory.
// This binary replaces the global operator new so that a test can make it
// fail on the calling thread.
#include "test_environment.h"
#include "virtual_threads.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "4"}, {"STMIFY_HEAP_LIMIT", "64M"});

namespace {
thread_local bool refuse_allocations = false;
} // namespace

void *operator new(std::size_t n) {
  if (!refuse_allocations)
    if (void *p = std::malloc(n ? n : 1))
      return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace stmtest {
namespace {

using OutOfMemory = VirtualThreads;

// An import outside atomic blocks keeps the thread's own writes by looking
// them up in an index it builds on demand; without memory for the index the
// lookup must still answer, since imports run where nothing may throw.
TEST_F(OutOfMemory, AnImportKeepsTheThreadsOwnWritesWithoutMemoryForItsIndex) {
  Cell *c = commit_after_own_write(5, 7);
  as(1);
  refuse_allocations = true;
  int validation = stm_validate();
  refuse_allocations = false;
  EXPECT_EQ(validation, 0);
  EXPECT_EQ(stm::rd(c)->value, 7);
  EXPECT_EQ(stm::rd(c)->other, 5);
}

} // namespace
} // namespace stmtest
