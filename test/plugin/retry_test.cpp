// Compiled with the stmify plugin, on two segments, where concurrent atomic
// blocks conflict and run again: what a retry must not repeat. (On one
// segment nothing ever runs twice, and these checks could not fail.)
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

struct Account : stm::object {
  long balance = 0;
};

// Retries must not count twice: each thread's own tally, written inside its
// atomic blocks, ends equal to the number of blocks it ran.
TEST(PluginRetries, RetriedBlocksRestoreOuterLocals) {
  constexpr long kBlocks = 2000;
  Account *shared = stm::make<Account>();
  std::vector<long> tallies(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([shared, &tallies, t] {
      long tally = 0;
      for (long i = 0; i < kBlocks; ++i)
        stm::atomic([&] {
          tally += 1;
          shared->balance += 1;
        });
      tallies[t] = tally;
    });
  for (std::thread &th : threads)
    th.join();
  for (long tally : tallies)
    EXPECT_EQ(tally, kBlocks);
  EXPECT_EQ(shared->balance, 4 * kBlocks);
}

} // namespace
