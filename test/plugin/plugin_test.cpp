// Programs compiled with the stmify plugin, written as a user would: no
// hand-written barriers. They check what the instrumentation must achieve at
// run time: outer locals restored on rollback, exceptions committing,
// blocking calls giving the segment up. (Retries need two segments:
// retry_test.cpp.)
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace {

struct Account : stm::object {
  long balance = 0;
  Account *partner = nullptr;
  virtual long worth() const { return balance; }
};

struct Savings : Account {
  long interest = 0;
  long worth() const override { return balance + interest; }
};

TEST(Plugin, AtomicCancelRestoresOuterLocalsAndObjects) {
  Account *a = stm::make<Account>();
  a->balance = 10;
  long local = 1;
  Account *seen = nullptr;
  EXPECT_THROW(stm::atomic_cancel([&] {
                 local = 5;
                 seen = a;
                 a->balance = 99;
                 throw std::runtime_error("cancel");
               }),
               std::runtime_error);
  EXPECT_EQ(local, 1);
  EXPECT_EQ(seen, nullptr);
  EXPECT_EQ(a->balance, 10);
}

TEST(Plugin, ExceptionsCommitTheBlockAndPropagate) {
  Account *a = stm::make<Account>();
  long local = 0;
  EXPECT_THROW(stm::atomic([&] {
                 a->balance = 7;
                 local = 3;
                 throw std::logic_error("commit");
               }),
               std::logic_error);
  EXPECT_EQ(a->balance, 7);
  EXPECT_EQ(local, 3);
}

TEST(Plugin, ReturnValuesNestingAndVirtualCalls) {
  Savings *s = stm::make<Savings>();
  Account *base = s;
  long worth = stm::atomic([&] {
    s->balance = 5;
    s->interest = stm::atomic([&] { return 2L; });
    base->partner = base;
    return base->worth();
  });
  EXPECT_EQ(worth, 7);
  EXPECT_EQ(s->partner, base);
  EXPECT_TRUE(stm::atomic([&] { return s->partner == s; }));
}

// With one segment, main joining while it holds the segment would wait for
// threads that wait for the segment: the join gives it up.
TEST(Plugin, JoinGivesTheSegmentUp) {
  ASSERT_EQ(stm::segment_limit(), 1u);
  Account *a = stm::make<Account>();
  a->balance = 1;
  std::thread worker([a] { stm::atomic([&] { a->balance += 41; }); });
  worker.join();
  EXPECT_EQ(a->balance, 42);
}

} // namespace
