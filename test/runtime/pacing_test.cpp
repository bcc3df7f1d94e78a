// Collections are paced by the live heap, not by STMIFY_HEAP_LIMIT: with a
// large limit, a program whose live heap is small is collected every few
// MiB it allocates, and one whose live heap is large every time it has
// allocated about that much again.
#include "test_environment.h"

#include "objects.h"

#include <gtest/gtest.h>

#include <vector>

// A limit far above what the tests allocate: pacing by the limit (an eighth
// of it between collections) would never collect.
STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"}, {"STMIFY_HEAP_LIMIT", "4G"});

namespace stmtest {
namespace {

constexpr std::size_t kMiB = 1u << 20;

// Allocates about `bytes` of Nodes that nothing keeps.
void allocateGarbage(std::size_t bytes) {
  for (std::size_t made = 0; made < bytes; made += sizeof(Node)) {
    stm::detail::safe_point();
    stm::wr(stm::make<Node>())->key = static_cast<long>(made);
  }
}

TEST(Pacing, ASmallLiveHeapIsCollectedEveryFewMegabytes) {
  stm::make<Node>();
  const unsigned long long before = stm::stats().collections;
  allocateGarbage(96 * kMiB);
  const unsigned long long collections = stm::stats().collections - before;
  std::printf("%llu collections for 96 MiB of garbage\n", collections);
  EXPECT_GE(collections, 6u);
  EXPECT_LT(stm::stats().live_bytes, 8 * kMiB);
}

TEST(Pacing, ALargeLiveHeapIsCollectedAfterAsMuchAgain) {
  // 32 MiB kept alive: collections come about every 32 MiB allocated.
  std::vector<Node *> kept;
  for (std::size_t made = 0; made < 32 * kMiB; made += sizeof(Node)) {
    stm::detail::safe_point();
    kept.push_back(stm::make<Node>());
  }
  stm::collect();
  const unsigned long long before = stm::stats().collections;
  allocateGarbage(128 * kMiB);
  const unsigned long long collections = stm::stats().collections - before;
  std::printf("%llu collections for 128 MiB of garbage beside 32 MiB kept\n", collections);
  EXPECT_GE(collections, 2u);
  EXPECT_LE(collections, 6u);
  EXPECT_GE(stm::stats().live_bytes, 32 * kMiB);
}

} // namespace
} // namespace stmtest
