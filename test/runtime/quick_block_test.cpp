// Atomic blocks that the program begins and commits itself, without a call
// into the runtime (_stm_begin_quickly, _stm_commit_quickly in stm.h): after
// a commit the runtime arms the thread, and the next block runs inline until
// the thread enters the runtime again. Real threads, which hand each other
// stages with std::atomic (not a synchronisation edge the runtime sees, so
// nothing in between disarms the thread).
#include "objects.h"
#include "testing.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace stmtest {
namespace {

class QuickBlocks : public ::testing::Test {
protected:
  void SetUp() override {
    // The test's thread spins, holding its segment, while the other commits.
    if (stm::segment_limit() < 2)
      GTEST_SKIP() << "needs two segments";
    stage_.store(0);
  }

  void reach(int stage) { stage_.store(stage, std::memory_order_release); }
  void wait_for(int stage) {
    while (stage_.load(std::memory_order_acquire) < stage) {
    }
  }

  // A thread that commits `value` into c once the test reaches stage 1, and
  // then reaches stage 2. Started before the test arms its own thread: a
  // thread's start enters the runtime.
  std::thread writer(Cell *c, long value) {
    return std::thread([this, c, value] {
      wait_for(1);
      stm::atomic([&] { set(c, value); });
      reach(2);
    });
  }

  // Commits an empty block, after which the next block of this thread
  // begins in the program's code.
  static void arm() {
    stm::atomic([] {});
    ASSERT_EQ(_stm_tls.quick_state, _STM_QUICK_ARMED);
  }

private:
  std::atomic<int> stage_{0};
};

TEST_F(QuickBlocks, ABlockSeesWhatWasCommittedBeforeItBegan) {
  Cell *c = stm::make<Cell>();
  publish();
  std::thread w = writer(c, 5);
  arm();
  reach(1);
  wait_for(2);
  ASSERT_EQ(_stm_tls.quick_state, _STM_QUICK_ARMED);
  EXPECT_EQ(stm::atomic([&] { return get(c); }), 5);
  join_all(w);
}

TEST_F(QuickBlocks, CodeAfterABlockSeesWhatWasCommittedDuringIt) {
  Cell *c = stm::make<Cell>();
  publish();
  std::thread w = writer(c, 5);
  arm();
  stm::atomic([&] {
    EXPECT_EQ(_stm_tls.quick_state, _STM_QUICK_BEGUN);
    reach(1);
    wait_for(2);
  });
  EXPECT_EQ(get(c), 5);
  join_all(w);
}

// The blocks begun in the program took read versions that the runtime must
// not give to a later transaction: the first of them marked c read, and a
// block that reads nothing of c must not lose to a commit that writes it.
TEST_F(QuickBlocks, ALaterTransactionDoesNotInheritTheirReads) {
  Cell *c = stm::make<Cell>();
  Cell *d = stm::make<Cell>();
  publish();
  std::thread w = writer(c, 5);
  arm();
  stm::atomic([&] { (void)get(c); });
  stm::atomic([] {});
  publish(); // enters the runtime: disarms
  ASSERT_EQ(_stm_tls.quick_state, _STM_QUICK_OFF);
  int attempts = 0;
  stm::atomic([&] {
    ++attempts;
    set(d, 1);
    if (attempts == 1) {
      reach(1);
      wait_for(2);
    }
  });
  EXPECT_EQ(attempts, 1);
  join_all(w);
}

TEST_F(QuickBlocks, StatisticsCountThem) {
  const stm::statistics before = stm::stats(); // enters the runtime
  for (int i = 0; i < 3; ++i)
    stm::atomic([] {});
  ASSERT_EQ(_stm_tls.quick_state, _STM_QUICK_ARMED);
  EXPECT_EQ(stm::stats().commits - before.commits, 3u);
}

// Locals of the code that runs the block lie above the stack pointer the
// quick begin notes; the runtime restores them when the block runs again.
TEST_F(QuickBlocks, APreservedLocalIsRestoredBeforeARetry) {
  Cell *c = stm::make<Cell>();
  Cell *d = stm::make<Cell>();
  publish();
  std::thread w = writer(c, 5);
  arm();
  long local = 1;
  int attempts = 0;
  stm::atomic([&] {
    ++attempts;
    stm::detail::preserve(local);
    local += 10;
    set(d, get(c));
    if (attempts == 1) {
      reach(1);
      wait_for(2);
    }
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(local, 11);
  EXPECT_EQ(get(d), 5);
  join_all(w);
}

// A block that only reads and saves the outer locals it assigns (as the
// transformer's output does) stays begun quickly to its commit.
TEST_F(QuickBlocks, SavingALocalKeepsABlockQuick) {
  Cell *c = stm::make<Cell>();
  set(c, 3);
  publish();
  arm();
  long seen = 0;
  bool found = false;
  stm::atomic([&] {
    stm::detail::preserve(seen);
    stm::detail::preserve(found);
    seen = get(c);
    found = true;
    EXPECT_EQ(_stm_tls.quick_state, _STM_QUICK_BEGUN);
  });
  EXPECT_EQ(_stm_tls.quick_state, _STM_QUICK_ARMED);
  EXPECT_EQ(_stm_tls.quick_preserved, 0);
  EXPECT_EQ(seen, 3);
  EXPECT_TRUE(found);
}

// Saved twice, the first value wins; more locals than the view keeps (four)
// go to the runtime after the first four, and an abort restores all of them.
TEST_F(QuickBlocks, EverySavedLocalIsRestoredInOrder) {
  Cell *c = stm::make<Cell>();
  Cell *d = stm::make<Cell>();
  publish();
  std::thread w = writer(c, 5);
  arm();
  long a = 1, b = 2, e = 3, f = 4, g = 5, h = 6;
  int attempts = 0;
  std::size_t kept_by_the_view = 0;
  stm::atomic([&] {
    ++attempts;
    stm::detail::preserve(a);
    a += 10;
    stm::detail::preserve(a);
    a += 10;
    stm::detail::preserve(b);
    stm::detail::preserve(e);
    if (attempts == 1) // the retry begins in the runtime
      kept_by_the_view = _stm_tls.quick_preserved;
    stm::detail::preserve(f); // the fifth: the runtime's
    stm::detail::preserve(g);
    stm::detail::preserve(h);
    b += 10, e += 10, f += 10, g += 10, h += 10;
    set(d, get(c));
    if (attempts == 1) {
      reach(1);
      wait_for(2);
    }
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(kept_by_the_view, 4u);
  EXPECT_EQ(a, 21);
  EXPECT_EQ(b + e + f + g + h, 12 + 13 + 14 + 15 + 16);
  join_all(w);
}

// A function the block calls, which runs a nested block, saves its own
// local; that frame is gone when the block runs again, so nothing keeps it.
__attribute__((noinline)) long nested_total(Cell *c) {
  long inner = 0;
  stm::atomic([&] {
    stm::detail::preserve(inner);
    inner = get(c);
  });
  return inner;
}

TEST_F(QuickBlocks, ALocalOfACalledFunctionIsNotSaved) {
  Cell *c = stm::make<Cell>();
  set(c, 4);
  publish();
  arm();
  long outer = 0;
  std::size_t saved = 99;
  stm::atomic([&] {
    stm::detail::preserve(outer);
    outer = nested_total(c);
    EXPECT_EQ(_stm_tls.quick_preserved, 1);
    saved = stm::testing::preserved_locals(); // settles
  });
  EXPECT_EQ(saved, 1u);
  EXPECT_EQ(outer, 4);
}

// A block that enters the runtime (here by writing) is an ordinary
// transaction from then on: its write is published, and the next block
// begins quickly again.
TEST_F(QuickBlocks, ABlockThatWritesIsPublished) {
  Cell *c = stm::make<Cell>();
  publish();
  arm();
  stm::atomic([&] {
    ASSERT_EQ(_stm_tls.quick_state, _STM_QUICK_BEGUN);
    set(c, 7);
    EXPECT_EQ(_stm_tls.quick_state, _STM_QUICK_OFF);
  });
  EXPECT_EQ(_stm_tls.quick_state, _STM_QUICK_ARMED);
  long seen = 0;
  std::thread reader([&] { seen = stm::atomic([&] { return get(c); }); });
  join_all(reader);
  EXPECT_EQ(seen, 7);
}

} // namespace
} // namespace stmtest
