#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Cell : stm::object {
  long value = 0;
};

TEST(TransactionQueue, RunsEveryTask) {
  std::vector<Cell *> cells;
  for (int i = 0; i < 100; ++i)
    cells.push_back(stm::make<Cell>());
  stm::transaction_queue tq;
  for (Cell *c : cells)
    tq.add([c] { c->value += 1; });
  EXPECT_EQ(tq.size(), 100u);
  tq.run();
  EXPECT_EQ(tq.size(), 0u);
  for (Cell *c : cells)
    EXPECT_EQ(c->value, 1);
}

TEST(TransactionQueue, PassesBoundArguments) {
  Cell *c = stm::make<Cell>();
  stm::transaction_queue tq;
  auto add_to = [](Cell *cell, long amount, const std::string &why) {
    cell->value += amount * static_cast<long>(why.size());
  };
  tq.add(add_to, c, 2L, std::string("abc"));
  tq.add(add_to, c, 1L, "xy");
  tq.run();
  EXPECT_EQ(c->value, 8);
}

TEST(TransactionQueue, TasksMayAddTasks) {
  Cell *c = stm::make<Cell>();
  stm::transaction_queue tq;
  struct Spawner {
    stm::transaction_queue *tq;
    Cell *c;
    int depth;
    void operator()() const {
      c->value += 1;
      if (depth > 0) {
        tq->add(Spawner{tq, c, depth - 1});
        tq->add(Spawner{tq, c, depth - 1});
      }
    }
  };
  tq.add(Spawner{&tq, c, 5});
  tq.run();
  EXPECT_EQ(c->value, 63); // 2^6 - 1 tasks
}

TEST(TransactionQueue, TasksRunAsAtomicBlocks) {
  stm::transaction_queue tq;
  bool atomic_inside = false;
  tq.add([&] { atomic_inside = stm::is_atomic(); });
  tq.run();
  EXPECT_TRUE(atomic_inside);
}

TEST(TransactionQueue, FirstExceptionStopsTheRunAndPropagates) {
  Cell *c = stm::make<Cell>();
  stm::transaction_queue tq;
  tq.add([c] { c->value += 1; });
  tq.add([c] {
    c->value += 10;
    throw std::runtime_error("task failed");
  });
  tq.add([c] { c->value += 100; });
  try {
    tq.run();
    FAIL() << "run() did not rethrow";
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "task failed");
  }
  EXPECT_EQ(c->value, 11); // the failing task's effects are kept
  EXPECT_EQ(tq.size(), 0u); // the rest are dropped
  tq.add([c] { c->value += 1000; });
  tq.run(); // the queue is usable again
  EXPECT_EQ(c->value, 1011);
}

TEST(TransactionQueue, MoveOnlyCallables) {
  auto owned = std::make_unique<int>(5);
  int seen = 0;
  stm::transaction_queue tq;
  tq.add([p = std::move(owned), &seen] { seen = *p; });
  tq.run();
  EXPECT_EQ(seen, 5);
}

TEST(TransactionQueue, EmptyRunReturns) {
  stm::transaction_queue tq;
  tq.run();
  SUCCEED();
}

} // namespace
