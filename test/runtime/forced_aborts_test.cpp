// STMIFY_FORCE_ABORTS: every atomic block and task aborts its first attempts,
// at a safe point inside the attempt or at its commit, and then commits once.
#include "objects.h"
#include "test_environment.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"}, {"STMIFY_HEAP_LIMIT", "64M"},
                        {"STMIFY_FORCE_ABORTS", "3"});

namespace stmtest {
namespace {

constexpr int kForced = 3;

Cell *committed_cell(long value) {
  Cell *c = stm::make<Cell>();
  set(c, value);
  publish();
  return c;
}

TEST(ForcedAborts, EveryBlockRunsOnceMoreThanItIsForcedToAbort) {
  Cell *c = committed_cell(0);
  const auto before = stm::stats();
  for (int block = 0; block < 20; ++block) {
    int attempts = 0;
    stm::atomic([&] {
      ++attempts;
      set(c, get(c) + 1);
    });
    EXPECT_EQ(attempts, kForced + 1) << "block " << block;
  }
  EXPECT_EQ(get(c), 20) << "each block's write is applied once";
  const auto after = stm::stats();
  EXPECT_EQ(after.aborts - before.aborts, 20u * kForced);
  EXPECT_EQ(after.commits - before.commits, 20u);
}

// A block's first forced attempt aborts at its commit; the others at a
// random safe point of the body or at the commit.
TEST(ForcedAborts, AttemptsAlsoAbortInTheMiddleOfTheirBody) {
  Cell *c = committed_cell(0);
  int started = 0, finished = 0;
  for (int block = 0; block < 50; ++block)
    stm::atomic([&] {
      ++started;
      for (int step = 0; step < 8; ++step) {
        set(c, get(c) + 1);
        stm::detail::safe_point();
      }
      ++finished;
    });
  EXPECT_EQ(started, 50 * (kForced + 1));
  EXPECT_LT(finished, started - 50) << "too few attempts were stopped inside their body";
  EXPECT_GT(finished, 2 * 50) << "too few forced attempts reached their commit";
  EXPECT_EQ(get(c), 50 * 8);
}

// What a retry would repeat is repeated, wherever it is in the body: here an
// unsaved write (the transformer would have saved it) after many safe points.
TEST(ForcedAborts, AWriteAtTheEndOfALongBodyIsRepeated) {
  Cell *c = committed_cell(0);
  int unsaved = 0;
  stm::atomic([&] {
    for (int step = 0; step < 1000; ++step) {
      set(c, get(c) + 1);
      stm::detail::safe_point();
    }
    ++unsaved;
  });
  EXPECT_GE(unsaved, 2);
  EXPECT_EQ(get(c), 1000);
}

TEST(ForcedAborts, AfterACancelledBlockTheNextIsForcedAsOften) {
  Cell *c = committed_cell(0);
  for (int block = 0; block < 3; ++block) {
    EXPECT_THROW(stm::atomic_cancel([&] {
                   set(c, -1);
                   throw std::runtime_error("cancelled");
                 }),
                 std::runtime_error);
    int attempts = 0;
    stm::atomic([&] {
      ++attempts;
      set(c, get(c) + 1);
    });
    EXPECT_EQ(attempts, kForced + 1) << "block " << block;
  }
  EXPECT_EQ(get(c), 3);
}

// The first attempt loses a real conflict at a safe point before the end of
// its body: the next forced attempt still runs the whole body and aborts at
// the commit (it must not draw its abort point from an earlier block's body).
TEST(ForcedAborts, AnAttemptStoppedByAConflictDoesNotShortenTheNext) {
  Cell *c = committed_cell(0);
  stm::atomic([&] { set(c, get(c) + 1); }); // a body without safe points
  std::atomic<int> stage{0};
  std::thread other([&] {
    while (stage.load() < 1) {
    }
    stm::atomic([&] { set(c, 100); });
    stage.store(2);
  });
  int attempts = 0, unsaved = 0;
  stm::atomic([&] {
    ++attempts;
    long seen = get(c);
    if (attempts == 1) {
      stage.store(1);
      while (stage.load() < 2) {
      }
    }
    for (int step = 0; step < 10; ++step)
      stm::detail::safe_point();
    set(c, seen + 1);
    ++unsaved;
  });
  join_all(other);
  EXPECT_EQ(attempts, kForced + 1);
  EXPECT_GE(unsaved, 2) << "no forced attempt reached the end of the body";
  EXPECT_EQ(get(c), 101);
}

TEST(ForcedAborts, AnInevitableAttemptIsNotAborted) {
  Cell *c = committed_cell(0);
  int attempts = 0, inevitable_attempts = 0;
  stm::atomic([&] {
    ++attempts;
    stm::become_inevitable("test");
    ++inevitable_attempts;
    set(c, 7);
  });
  EXPECT_EQ(attempts, 1) << "no safe point before the block became inevitable";
  EXPECT_EQ(inevitable_attempts, 1);
  EXPECT_EQ(get(c), 7);
}

TEST(ForcedAborts, TasksAreForcedToo) {
  Cell *c = committed_cell(0);
  std::atomic<int> attempts{0};
  {
    stm::transaction_queue queue(2);
    for (int i = 0; i < 10; ++i)
      queue.add([&] {
        attempts.fetch_add(1, std::memory_order_relaxed);
        set(c, get(c) + 1);
      });
    queue.run();
  }
  EXPECT_EQ(get(c), 10);
  EXPECT_GE(attempts.load(), 10 * (kForced + 1));
}

// A task lives in the queue's memory: what a lost attempt changed in its own
// function object must not reach the next attempt.
struct CountingTask {
  Cell *cell;
  long calls = 0;
  void operator()() {
    ++calls;
    set(cell, get(cell) + calls);
  }
};

TEST(ForcedAborts, EachAttemptOfATaskStartsFromTheTaskAsItWasAdded) {
  Cell *captured = committed_cell(0);
  Cell *functor = committed_cell(0);
  Cell *referred = committed_cell(0);
  CountingTask outside{referred};
  {
    stm::transaction_queue queue(1);
    queue.add([captured, calls = 0]() mutable {
      ++calls;
      set(captured, get(captured) + calls);
    });
    queue.add(CountingTask{functor});
    queue.add(std::ref(outside));
    queue.run();
  }
  EXPECT_EQ(get(captured), 1) << "a mutable lambda's capture";
  EXPECT_EQ(get(functor), 1) << "a function object's member";
  EXPECT_EQ(get(referred), 1) << "the function object a std::ref task refers to";
  EXPECT_EQ(outside.calls, 1);
}

TEST(ForcedAborts, ATaskWhoseChangesToItselfCannotBeUndoneIsInevitable) {
  Cell *c = committed_cell(0);
  {
    stm::transaction_queue queue(1);
    queue.add([c, text = std::string()]() mutable {
      text += "x";
      set(c, static_cast<long>(text.size()));
    });
    queue.run();
  }
  EXPECT_EQ(get(c), 1);
}

} // namespace
} // namespace stmtest
