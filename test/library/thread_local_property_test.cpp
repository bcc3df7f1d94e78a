// stm::thread_local_property as a user writes it: per-thread counters and
// caches on a shared managed object, inside and outside atomic blocks.
// Built with the plugin (two segments, forced aborts) and without it.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace {

struct Lookup : stm::object {
  long key = 0;
  long value = 0;
};

struct Service : stm::object {
  long requests = 0;
  stm::thread_local_property<long> handled{[] { return 0L; }};
  stm::thread_local_property<std::vector<long>> scratch{[] { return std::vector<long>(); }};
  stm::thread_local_property<Lookup *> last{[]() -> Lookup * { return stm::make<Lookup>(); }};
  stm::thread_local_property<stm::string> name;
};

TEST(ThreadLocalProperty, EachThreadHasItsOwnValue) {
  Service *service = stm::make<Service>();
  std::vector<long> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i <= t * 10; ++i)
        stm::atomic([&] {
          service->handled.get() += 1;
          service->requests += 1;
        });
      seen[t] = service->handled.get();
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(seen, (std::vector<long>{1, 11, 21, 31}));
  EXPECT_EQ(service->requests, 64);
  EXPECT_FALSE(service->handled.has_value()) << "this thread never used it";
  EXPECT_EQ(service->handled.get(), 0) << "made by the factory";
}

TEST(ThreadLocalProperty, WithoutAFactoryAValueMustBeSetFirst) {
  Service *service = stm::make<Service>();
  EXPECT_THROW(service->name.get(), std::logic_error);
  service->name.set("worker");
  EXPECT_EQ(service->name.get(), "worker");
  service->name.clear();
  EXPECT_FALSE(service->name.has_value());
}

TEST(ThreadLocalProperty, ARetriedBlockChangesTheValueOnce) {
  const unsigned long long aborts = stm::stats().aborts;
  Service *service = stm::make<Service>();
  for (int i = 0; i < 10; ++i)
    stm::atomic([&] {
      service->handled.get() += 1;
      service->scratch.get().push_back(i);
      service->name.set(stm::string("block ") + std::to_string(i));
    });
  EXPECT_EQ(service->handled.get(), 10);
  EXPECT_EQ(service->scratch.get().size(), 10u);
  EXPECT_EQ(service->name.get(), "block 9");
  stm::atomic([&] {
    service->scratch.get().clear();
    service->name.clear();
  });
  EXPECT_TRUE(service->scratch.get().empty());
  EXPECT_FALSE(service->name.has_value());
  if (stm::instrumented) {
    EXPECT_GE(stm::stats().aborts - aborts, 22u) << "every block aborts its first two attempts";
  }
}

#if defined(__STMIFY__)
TEST(ThreadLocalProperty, ACancelledBlockPutsEveryValueBack) {
  Service *service = stm::make<Service>();
  service->handled.set(5);
  service->name.set("before");
  EXPECT_THROW(stm::atomic_cancel([&] {
                 service->handled.get() = 6;
                 service->handled.set(7);
                 service->name.clear();
                 service->name.set("during");
                 service->scratch.get().push_back(1);
                 throw std::runtime_error("cancel");
               }),
               std::runtime_error);
  EXPECT_EQ(service->handled.get(), 5);
  EXPECT_EQ(service->name.get(), "before");
  EXPECT_FALSE(service->scratch.has_value()) << "made in the block, gone with it";
}
#endif

TEST(ThreadLocalProperty, ManagedValuesSurviveCollections) {
  Service *service = stm::make<Service>();
  stm::atomic([&] {
    Lookup *mine = service->last.get();
    mine->key = 42;
    mine->value = 4242;
  });
  Service *scratch = stm::make<Service>();
  for (int round = 0; round < 2; ++round) {
    stm::collect();
    for (int i = 0; i < 20000; ++i)
      stm::make<Lookup>()->value += scratch->requests;
  }
  Lookup *mine = service->last.get();
  EXPECT_EQ(mine->key, 42);
  EXPECT_EQ(mine->value, 4242);
}

TEST(ThreadLocalProperty, ACopyIsAnotherProperty) {
  stm::thread_local_property<long> a{[] { return 1L; }};
  a.set(10);
  stm::thread_local_property<long> b = a;
  EXPECT_EQ(b.get(), 1) << "no values yet, only the factory";
  EXPECT_EQ(a.get(), 10);
}

} // namespace
