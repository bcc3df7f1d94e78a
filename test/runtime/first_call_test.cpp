// The runtime starts itself on any first call, not only on allocation.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

namespace {

TEST(FirstCall, CollectionBeforeAnythingElse) {
  stm::collect();
  EXPECT_EQ(stm::stats().collections, 1u);
}

TEST(FirstCall, StatisticsBeforeAnythingElse) {
  EXPECT_EQ(stm::stats().aborts, 0u);
}

} // namespace
