// Threads taking turns on fewer segments than threads. The safe points'
// countdown is pushed out of the way (2^30 steps), so that a holder hands its
// segment over only when a waiting thread asks it to.
#include "objects.h"
#include "test_environment.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "1"}, {"STMIFY_HEAP_LIMIT", "16M"},
                        {"STMIFY_SAFE_POINT_INTERVAL", "1073741824"});

namespace stmtest {
namespace {

// A spin loop with a safe point in it (say, a start barrier that yields)
// holds the only segment; the thread it waits for needs that segment first.
// Before waiting threads asked holders to take turns, the holder kept the
// segment until its countdown ran out: here 2^30 steps, by default 1000
// steps of a sched_yield() each, seconds on a busy CPU.
TEST(HandOff, AHolderThatSpinsLetsAWaitingThreadIn) {
  std::atomic<bool> holding{false}, asking{false}, done{false};
  long steps = 0;
  std::thread holder([&] {
    stm::detail::safe_point(); // takes the only segment
    holding = true;
    while (!asking.load()) {
    }
    while (!done.load()) {
      stm::detail::safe_point();
      ++steps;
      // A few nanoseconds of work per step: the countdown's 2^30 steps last
      // seconds, far longer than a waiter's turn even on a loaded machine,
      // where a waiter woken by its timer may wait 200 ms for a CPU.
      for (volatile int i = 0; i < 8; i = i + 1) {
      }
    }
  });
  while (!holding.load()) {
  }
  std::thread waiter([&] {
    asking = true;
    stm::detail::safe_point(); // waits for the segment
    done = true;
  });
  join_all(holder);
  join_all(waiter);
  // Had the holder kept its segment until its countdown ran out, it would
  // have made 2^30 steps.
  EXPECT_LT(steps, 1L << 30);
}

} // namespace
} // namespace stmtest
