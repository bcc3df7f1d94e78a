// Memory stays bounded while a program allocates many times its heap limit:
// the peak resident size stays under the bound docs/user-guide.md states,
//   segments x (STMIFY_HEAP_LIMIT + STMIFY_HEAP_LIMIT / 8) + 32 MiB,
// above what the process used before.
#include "test_environment.h"

#include "objects.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"}, {"STMIFY_HEAP_LIMIT", "64M"});

namespace stmtest {
namespace {

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

TEST(Memory, PeakResidentSizeStaysBoundedUnderChurn) {
  constexpr std::size_t kLimit = 64u << 20, kMiB = 1u << 20;
  const std::size_t bound = stm::segment_limit() * (kLimit + kLimit / 8) + 32 * kMiB;
  stm::make<Node>(); // start the runtime before the baseline
  const std::size_t before = resident_bytes();
  std::atomic<std::size_t> peak{before};
  auto churn = [&] {
    stm::detail::safe_point();
    std::vector<Node *> kept(64, nullptr);
    const long lists = static_cast<long>(16 * kLimit / 2 / (256 * 32)); // 16x the limit
    for (long i = 0; i < lists; ++i) {
      stm::detail::safe_point();
      Node *head = nullptr;
      for (int k = 0; k < 256; ++k) {
        Node *n = stm::make<Node>();
        stm::wr(n)->next = head;
        head = n;
      }
      kept[static_cast<std::size_t>(i) % 64] = head;
      if (i % 64 == 0) {
        std::size_t now = resident_bytes(), seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
      }
    }
  };
  std::thread a(churn), b(churn);
  stm::detail::blocking("join", [&] {
    a.join();
    b.join();
  });
  const std::size_t growth = peak.load() - before;
  std::printf("peak resident growth %zu MiB (bound %zu MiB), %llu collections\n", growth / kMiB,
              bound / kMiB, stm::stats().collections);
  EXPECT_LT(growth, bound);
  EXPECT_GT(stm::stats().collections, 10u);
}

TEST(Memory, StatisticsReportThePeakResidentSize) {
  constexpr std::size_t kBytes = 64u << 20;
  const std::size_t before = resident_bytes();
  std::vector<char> touched(kBytes);
  for (std::size_t i = 0; i < kBytes; i += 4096)
    static_cast<volatile char &>(touched[i]) = 1;
  // Other memory may be returned meanwhile: half of the vector's is enough.
  EXPECT_GE(stm::stats().peak_resident_bytes, before + kBytes / 2);
}

} // namespace
} // namespace stmtest
