#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

namespace {

STM_TX_SAFE int twice(int x) { return 2 * x; }

TEST(Misc, SegmentLimitIsOneWithoutThePlugin) {
  EXPECT_EQ(stm::segment_limit(), 1u);
}

TEST(Misc, CountIsUniqueAndPositiveAcrossThreads) {
  constexpr int threads = 4, per_thread = 1000;
  std::vector<std::vector<unsigned long long>> seen(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&seen, t] {
      for (int i = 0; i < per_thread; ++i)
        seen[t].push_back(stm::count());
    });
  for (auto &w : workers)
    w.join();
  std::set<unsigned long long> all;
  for (auto &v : seen)
    for (auto x : v) {
      EXPECT_GT(x, 0u);
      all.insert(x);
    }
  EXPECT_EQ(all.size(), static_cast<size_t>(threads * per_thread));
}

TEST(Misc, ClocksAdvance) {
  double t0 = stm::time(), c0 = stm::clock();
  EXPECT_GT(t0, 1.6e9); // after 2020
  double c1 = stm::clock();
  while (c1 == c0)
    c1 = stm::clock();
  EXPECT_GT(c1, c0);
}

TEST(Misc, HintsAreHarmless) {
  stm::hint_commit_soon();
  stm::atomic([] { stm::hint_commit_soon(); });
  EXPECT_EQ(twice(4), 8);
}

// Without the plugin too: the process's peak, in bytes.
TEST(Misc, StatisticsReportThePeakResidentSize) {
  constexpr std::size_t kBytes = 64u << 20;
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident_pages = 0;
  statm >> size >> resident_pages;
  std::vector<char> touched(kBytes);
  for (std::size_t i = 0; i < kBytes; i += 4096)
    static_cast<volatile char &>(touched[i]) = 1;
  // Other memory may be returned meanwhile: half of the vector's is enough.
  EXPECT_GE(stm::stats().peak_resident_bytes, resident_pages * 4096 + kBytes / 2);
}

} // namespace
