// stm::queue as a user writes it: producers and consumers in std::threads,
// puts and takes inside and outside atomic blocks. Built with the plugin (two
// segments, every block aborting its first two attempts) and without it.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace {

struct Order : stm::object {
  long id;
  long quantity;
  stm::string customer;
  Order(long id, long quantity, stm::string customer)
      : id(id), quantity(quantity), customer(customer) {}
};

struct Ledger : stm::object {
  long orders = 0;
  long quantity = 0;
};

TEST(Queue, OutsideBlocksItIsFirstInFirstOut) {
  stm::queue<long> q;
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.try_get().has_value());
  for (long i = 1; i <= 5; ++i)
    q.put(i);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.try_get(), 2);
  EXPECT_EQ(q.get(), 3);
  EXPECT_EQ(q.size(), 2u);
}

TEST(Queue, ABlocksPutsArriveOnceWhenItCommits) {
  stm::queue<long> q;
  std::size_t seen_inside = 99;
  stm::atomic([&] {
    q.put(10);
    q.put(20);
    seen_inside = q.size();
  });
  EXPECT_EQ(seen_inside, 0u) << "not before the commit";
  EXPECT_EQ(q.size(), 2u) << "once, however often the block ran";
  EXPECT_EQ(q.get(), 10);
  EXPECT_EQ(q.get(), 20);
}

TEST(Queue, ABlockTakesItsOwnPutsAfterTheQueues) {
  stm::queue<long> q;
  q.put(1);
  std::vector<long> taken;
  long sum = stm::atomic([&] {
    q.put(2);
    q.put(3);
    long s = 0;
    while (std::optional<long> x = q.try_get())
      s = s * 10 + *x;
    return s;
  });
  EXPECT_EQ(sum, 123);
  EXPECT_TRUE(q.empty());
}

TEST(Queue, AnItemTakenByARolledBackAttemptIsTakenAgain) {
  const unsigned long long aborts = stm::stats().aborts;
  stm::queue<long> q;
  for (long i = 0; i < 10; ++i)
    q.put(i);
  Ledger *ledger = stm::make<Ledger>();
  long taken = 0;
  for (int i = 0; i < 10; ++i)
    taken += stm::atomic([&] {
      std::optional<long> got = q.try_get();
      long x = got ? *got : -1000;
      ledger->orders += 1;
      ledger->quantity += x;
      return x;
    });
  EXPECT_EQ(taken, 45);
  EXPECT_EQ(ledger->quantity, 45);
  EXPECT_TRUE(q.empty());
  if (stm::instrumented) {
    EXPECT_GE(stm::stats().aborts - aborts, 20u) << "every block aborts its first two attempts";
  }
}

TEST(Queue, ItemsOnlyTheQueueHoldsSurviveCollections) {
  stm::queue<Order *> q;
  for (long i = 0; i < 2000; ++i)
    stm::atomic([&] { q.put(stm::make<Order>(i, i % 5, "c" + std::to_string(i))); });
  Ledger *scratch = stm::make<Ledger>();
  for (int round = 0; round < 2; ++round) {
    stm::collect();
    for (long i = 0; i < 20000; ++i)
      stm::make<Order>(-i, -1, "garbage-" + std::to_string(i))->quantity += scratch->orders;
  }
  for (long i = 0; i < 2000; ++i) {
    Order *o = q.get();
    ASSERT_EQ(o->id, i);
    ASSERT_EQ(o->quantity, i % 5);
    const stm::string customer = o->customer;
    ASSERT_EQ(customer, "c" + std::to_string(i));
  }
}

// get() inside a block waits (the block inevitable) for an item that
// another thread puts outside atomic blocks.
TEST(Queue, GetInsideABlockWaitsForAnItem) {
  stm::queue<long> q;
  Ledger *ledger = stm::make<Ledger>();
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    q.put(42);
  });
  long got = stm::atomic([&] {
    long x = q.get();
    ledger->quantity += x;
    return x;
  });
  producer.join();
  EXPECT_EQ(got, 42);
  EXPECT_EQ(ledger->quantity, 42);
}

#if defined(__STMIFY__)
TEST(Queue, ACancelledBlockPutsNothingAndGivesItsItemsBack) {
  stm::queue<long> q;
  q.put(7);
  EXPECT_THROW(stm::atomic_cancel([&] {
                 EXPECT_EQ(q.try_get(), 7);
                 q.put(8);
                 throw std::runtime_error("cancel");
               }),
               std::runtime_error);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.get(), 7);
}
#endif

// Producers make orders in atomic blocks and put them; consumers take them
// inside blocks (try_get) and outside (get), and book them in a shared
// ledger. Every order is taken exactly once, and its fields are read as
// its producer wrote them.
TEST(Queue, ProducersAndConsumersTakeEveryItemExactlyOnce) {
  constexpr int kProducers = 3, kPerProducer = 400, kConsumers = 3;
  stm::queue<Order *> q;
  Ledger *ledger = stm::make<Ledger>();
  std::vector<std::vector<long>> seen(kConsumers);
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p)
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; i += 2)
        stm::atomic([&] {
          for (int k = i; k < i + 2; ++k) {
            long id = p * kPerProducer + k;
            q.put(stm::make<Order>(id, id % 7 + 1, "customer-" + std::to_string(id)));
          }
        });
    });
  for (int c = 0; c < kConsumers; ++c)
    threads.emplace_back([&, c] {
      for (;;) {
        Order *order = nullptr;
        if (c == 0) {
          order = q.get();
          if (order)
            stm::atomic([&] {
              ledger->orders += 1;
              ledger->quantity += order->quantity;
            });
        } else {
          std::optional<Order *> got = stm::atomic([&]() -> std::optional<Order *> {
            std::optional<Order *> taken = q.try_get();
            if (taken && *taken) {
              ledger->orders += 1;
              ledger->quantity += (*taken)->quantity;
            }
            return taken;
          });
          if (!got) {
            std::this_thread::yield();
            continue;
          }
          order = *got;
        }
        if (!order)
          return; // the end
        const stm::string customer = order->customer;
        EXPECT_EQ(customer, "customer-" + std::to_string(order->id));
        seen[c].push_back(order->id);
      }
    });
  for (int p = 0; p < kProducers; ++p)
    threads[p].join();
  for (int c = 0; c < kConsumers; ++c)
    q.put(nullptr);
  for (int c = 0; c < kConsumers; ++c)
    threads[kProducers + c].join();

  std::vector<long> all;
  for (const std::vector<long> &s : seen)
    all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), std::size_t(kProducers * kPerProducer));
  for (long i = 0; i < kProducers * kPerProducer; ++i)
    ASSERT_EQ(all[i], i);
  long quantity = 0;
  for (long id = 0; id < kProducers * kPerProducer; ++id)
    quantity += id % 7 + 1;
  EXPECT_EQ(ledger->orders, kProducers * kPerProducer);
  EXPECT_EQ(ledger->quantity, quantity);
  EXPECT_TRUE(q.empty());
}

} // namespace
