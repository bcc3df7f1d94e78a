// stm::vector where real conflicts matter: on two segments, without forced
// aborts. Built with the plugin and without it.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

namespace {

struct Prices : stm::object {
  stm::vector<long> cents;
};

struct Counter : stm::object {
  long value = 0;
};

// Tasks on two segments that read one shared vector through a managed
// pointer (`prices->cents[i]`, the non-const accessor) and write only their
// own counters. A read is a read: with the element backed up for a write
// that never comes, every pair of such tasks conflicted.
TEST(VectorTiming, ReadersOfOneVectorDoNotConflict) {
  constexpr int kTasks = 2000;
  Prices *prices = stm::make<Prices>();
  for (long i = 0; i < 256; ++i)
    prices->cents.push_back(i);
  // A counter per task: tasks that shared one conflicted on it whenever the
  // workers ran them at once (up to 10 % of attempts), whatever the reads.
  std::vector<Counter *> counters;
  for (int i = 0; i < kTasks; ++i)
    counters.push_back(stm::make<Counter>());
  unsigned long long before = stm::stats().aborts, commits = stm::stats().commits;
  stm::transaction_queue tq;
  for (int t = 0; t < kTasks; ++t)
    tq.add([&, t] {
      Counter *mine = counters[std::size_t(t)];
      long sum = 0;
      for (int round = 0; round < 20; ++round)
        for (std::size_t i = 0; i < 256; ++i)
          sum += prices->cents[i];
      mine->value += sum;
    });
  tq.run();
  unsigned long long aborts = stm::stats().aborts - before;
  unsigned long long attempts = aborts + (stm::stats().commits - commits);
  double rate = 100.0 * double(aborts) / double(attempts ? attempts : 1);
  std::printf("aborted attempts of tasks that read one vector: %.1f %%\n", rate);
  long total = 0;
  for (Counter *c : counters)
    total += c->value;
  EXPECT_EQ(total, long(kTasks) * 20 * (255 * 256 / 2));
  if (stm::instrumented && stm::segment_limit() >= 2) {
    EXPECT_LT(rate, 1.0);
  }
}

} // namespace
