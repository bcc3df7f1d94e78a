// Compiled with the stmify plugin, on two segments, where concurrent atomic
// blocks conflict and run again: what a retry must not repeat. (On one
// segment nothing ever runs twice, and these checks could not fail.)
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
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

struct Pair : stm::object {
  long left = 0, right = 0;
};

// Blocks that search and fold a container all threads read, swap two fields
// and sort a vector of their own stay optimistic: none becomes inevitable.
// (Each thread writes its own objects: blocks that conflict often enough
// become inevitable by STMIFY_RETRY_LIMIT, which is not what is checked.)
TEST(PluginRetries, ReadOnlyAlgorithmsAndFieldSwapsStayOptimistic) {
  constexpr long kBlocks = 1000;
  const std::vector<long> table = {4, 8, 15, 16, 23, 42};
  const unsigned long long inevitable_before = stm::stats().inevitable;
  std::vector<long> results(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      Pair *pair = stm::make<Pair>();
      Account *found = stm::make<Account>();
      for (long i = 0; i < kBlocks; ++i)
        stm::atomic([&] {
          std::vector<long> mine(table.begin(), table.end());
          std::sort(mine.begin(), mine.end(), [](long a, long b) { return a > b; });
          found->balance += std::count(table.begin(), table.end(), mine[5]) +
                            (std::find(table.begin(), table.end(), 42) != table.end()) +
                            std::accumulate(table.begin(), table.end(), 0L) - 108;
          pair->left += 1;
          std::swap(pair->left, pair->right);
        });
      results[t] = stm::atomic([&] { return found->balance * 10 + pair->left + pair->right; });
    });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(stm::stats().inevitable, inevitable_before);
  for (long r : results)
    EXPECT_EQ(r, 2 * kBlocks * 10 + kBlocks);
}

void add_to(long &field, long amount) { field += amount; }

// In a template, a call whose arguments depend on its parameters names no
// function until the template is instantiated; the field bound to add_to's
// reference is written there, so it needs the write barrier (which records
// the object for publication), not a read barrier.
template <class T> void add_in_blocks(T *shared, long blocks) {
  for (long i = 0; i < blocks; ++i)
    stm::atomic([&] { add_to(shared->balance, 1); });
}

TEST(PluginRetries, ATemplatesDependentCallWritesAFieldThroughAReference) {
  constexpr long kBlocks = 2000;
  Account *shared = stm::make<Account>();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([shared] { add_in_blocks(shared, kBlocks); });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(shared->balance, 2 * kBlocks);
}

} // namespace
