#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Counter : stm::object {
  long value = 0;
};

TEST(Atomic, ReturnsTheBlockResult) {
  EXPECT_EQ(stm::atomic([] { return 42; }), 42);
  std::string s = stm::atomic([] { return std::string("abc"); });
  EXPECT_EQ(s, "abc");
}

TEST(Atomic, VoidBlocksRun) {
  int runs = 0;
  stm::atomic([&] { ++runs; });
  EXPECT_EQ(runs, 1);
}

TEST(Atomic, ReferenceResultsAreNotCopied) {
  int x = 1;
  int &r = stm::atomic([&]() -> int & { return x; });
  r = 7;
  EXPECT_EQ(x, 7);
}

TEST(Atomic, IsAtomicInsideOnly) {
  EXPECT_FALSE(stm::is_atomic());
  stm::atomic([] { EXPECT_TRUE(stm::is_atomic()); });
  EXPECT_FALSE(stm::is_atomic());
}

TEST(Atomic, NestedBlocksAreFlattened) {
  int depth_seen = 0;
  int r = stm::atomic([&] {
    return stm::atomic([&] {
      depth_seen = stm::is_atomic() ? 2 : 0;
      return 5;
    }) + 1;
  });
  EXPECT_EQ(r, 6);
  EXPECT_EQ(depth_seen, 2);
  EXPECT_FALSE(stm::is_atomic());
}

TEST(Atomic, ExceptionsKeepEffectsAndPropagate) {
  Counter *c = stm::make<Counter>();
  EXPECT_THROW(stm::atomic([&] {
                 c->value = 3;
                 throw std::runtime_error("boom");
               }),
               std::runtime_error);
  EXPECT_EQ(c->value, 3);
  EXPECT_FALSE(stm::is_atomic());
}

TEST(Atomic, ExceptionFromNestedBlockLeavesOuterBlockUsable) {
  int after = stm::atomic([] {
    try {
      stm::atomic([] { throw std::logic_error("inner"); });
    } catch (const std::logic_error &) {
    }
    return stm::is_atomic() ? 1 : 0;
  });
  EXPECT_EQ(after, 1);
}

TEST(Atomic, LockIsReleasedAfterAnException) {
  try {
    stm::atomic([] { throw 1; });
  } catch (int) {
  }
  bool entered = false;
  std::thread t([&] { stm::atomic([&] { entered = true; }); });
  t.join();
  EXPECT_TRUE(entered);
}

TEST(Atomic, BlocksAreMutuallyExclusive) {
  Counter *c = stm::make<Counter>();
  constexpr int threads = 4, rounds = 20000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([c] {
      for (int i = 0; i < rounds; ++i)
        stm::atomic([c] {
          long v = c->value;
          c->value = v + 1;
        });
    });
  for (auto &w : workers)
    w.join();
  EXPECT_EQ(c->value, threads * rounds);
}

TEST(Atomic, ExclusiveAtomicRefusesNesting) {
  EXPECT_EQ(stm::exclusive_atomic([] { return 3; }), 3);
  EXPECT_THROW(stm::atomic([] { stm::exclusive_atomic([] {}); }),
               stm::nesting_error);
}

TEST(Atomic, InevitableInsideAtomicBlocks) {
  EXPECT_FALSE(stm::is_inevitable());
  stm::atomic([] {
    stm::become_inevitable("test");
    EXPECT_TRUE(stm::is_inevitable());
  });
}

} // namespace
