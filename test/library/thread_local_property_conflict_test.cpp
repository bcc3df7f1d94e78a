// stm::thread_local_property on two segments without forced aborts: threads
// that count in their own values of one object's property never conflict;
// the same count in a plain field does. Built with the plugin and without it.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>
#include <vector>

namespace {

struct Stats : stm::object {
  long total = 0;
  stm::thread_local_property<long> mine{[] { return 0L; }};
};

// The share of attempts that aborted while two threads ran `count` blocks
// each.
template <class Block> double aborted_percent(Block block) {
  const unsigned long long aborts = stm::stats().aborts, commits = stm::stats().commits;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 3000; ++i)
        stm::atomic(block);
    });
  for (std::thread &thread : threads)
    thread.join();
  const unsigned long long aborted = stm::stats().aborts - aborts;
  const unsigned long long attempts = aborted + (stm::stats().commits - commits);
  return 100.0 * double(aborted) / double(attempts ? attempts : 1);
}

TEST(ThreadLocalPropertyTiming, PerThreadCountsDoNotConflict) {
  Stats *stats = stm::make<Stats>();
  double per_thread = aborted_percent([&] {
    long &mine = stats->mine.get();
    for (long k = 0; k < 2000; ++k)
      mine += k % 2;
  });
  double shared = aborted_percent([&] {
    for (long k = 0; k < 2000; ++k)
      stats->total += k % 2;
  });
  std::printf("aborted attempts: thread_local_property %.1f %%, plain field %.1f %%\n", per_thread,
              shared);
  EXPECT_EQ(stats->total, 2 * 3000 * 1000);
  if (stm::instrumented) {
    EXPECT_LT(per_thread, 1.0);
  }
}

} // namespace
