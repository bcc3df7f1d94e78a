// Real threads on the real engine.
#include "objects.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace stmtest {
namespace {


TEST(Threads, ConcurrentIncrementsAreExact) {
  Cell *c = stm::make<Cell>();
  publish();
  const unsigned threads = 2 * stm::segment_limit() + 1; // more threads than segments
  constexpr int rounds = 3000;
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([c] {
      for (int i = 0; i < rounds; ++i) {
        stm::detail::safe_point();
        stm::atomic([c] { set(c, get(c) + 1); });
      }
    });
  join_all(workers);
  publish();
  EXPECT_EQ(get(c), static_cast<long>(threads) * rounds);
}

TEST(Threads, WritesOutsideAtomicBlocksArePublishedAtBoundaries) {
  Cell *c = stm::make<Cell>();
  set(c, 1);
  publish();
  long seen = 0;
  std::thread reader([&] { seen = stm::atomic([c] { return get(c); }); });
  join_all(reader);
  EXPECT_EQ(seen, 1);
  std::thread writer([c] { stm::atomic([c] { set(c, 2); }); });
  join_all(writer);
  publish();
  EXPECT_EQ(get(c), 2);
}

TEST(Queue, EveryTaskRunsOnce) {
  std::vector<Cell *> cells;
  for (int i = 0; i < 200; ++i)
    cells.push_back(stm::make<Cell>());
  stm::transaction_queue tq;
  for (Cell *c : cells)
    tq.add([c] { set(c, get(c) + 1); });
  EXPECT_EQ(tq.size(), 200u);
  tq.run();
  EXPECT_EQ(tq.size(), 0u);
  for (Cell *c : cells)
    EXPECT_EQ(get(c), 1);
}

TEST(Queue, ConflictingTasksAppearSerial) {
  Cell *shared = stm::make<Cell>();
  stm::transaction_queue tq;
  for (int i = 0; i < 500; ++i)
    tq.add([shared] {
      long v = get(shared);
      for (volatile int spin = 0; spin < 200; spin = spin + 1) {
      }
      set(shared, v + 1);
    });
  tq.run();
  EXPECT_EQ(get(shared), 500);
}

TEST(Queue, TasksAddTasksWhenTheyCommit) {
  Cell *count = stm::make<Cell>();
  stm::transaction_queue tq;
  struct Spawn {
    stm::transaction_queue *tq;
    Cell *count;
    int depth;
    void operator()() const {
      set(count, get(count) + 1);
      if (depth > 0) {
        tq->add(Spawn{tq, count, depth - 1});
        tq->add(Spawn{tq, count, depth - 1});
      }
    }
  };
  tq.add(Spawn{&tq, count, 7});
  tq.run();
  EXPECT_EQ(get(count), 255);
}

TEST(Queue, FirstExceptionIsRethrownAndTheRestDropped) {
  Cell *c = stm::make<Cell>();
  stm::transaction_queue tq(1);
  tq.add([c] { set(c, get(c) + 1); });
  tq.add([c] {
    set(c, get(c) + 10);
    throw std::runtime_error("task failed");
  });
  tq.add([c] { set(c, get(c) + 100); });
  EXPECT_THROW(tq.run(), std::runtime_error);
  EXPECT_EQ(get(c), 11);
  EXPECT_EQ(tq.size(), 0u);
  tq.add([c] { set(c, get(c) + 1000); });
  tq.run();
  EXPECT_EQ(get(c), 1011);
}

TEST(Queue, RunInsideAnAtomicBlockIsRefused) {
  stm::transaction_queue tq;
  tq.add([] {});
  EXPECT_THROW(stm::atomic([&] { tq.run(); }), stm::nesting_error);
}

} // namespace
} // namespace stmtest
