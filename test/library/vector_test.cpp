// stm::vector as a user writes it: a field of managed classes and a local,
// std::vector's interface, <algorithm>, threads appending in atomic blocks.
// Built with the plugin (two segments, every block aborting its first two
// attempts) and without it.
#include <stmify/stm.hpp>

#include "serial_replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

struct Point {
  int x = 0;
  int y = 0;
};

struct Customer : stm::object {
  stm::string name;
  stm::vector<long> reservations;
  stm::vector<stm::string> notes;
  explicit Customer(stm::string name) : name(name) {}
};

struct Node : stm::object {
  long value;
  explicit Node(long value) : value(value) {}
};

struct Shelf : stm::object {
  stm::vector<Node *> nodes;
  stm::vector<Point> points;
};

// By value: a reference to a field would outlive the thread's segment in
// this loop (field-address-escapes).
template <class V> std::vector<long> contents(V v) { return std::vector<long>(v.begin(), v.end()); }

TEST(Vector, BehavesAsStdVectorUnderRandomOperations) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 random(seed);
    stm::vector<long> v;
    std::vector<long> model;
    for (int step = 0; step < 400; ++step) {
      long value = long(random() % 1000);
      std::size_t n = model.size();
      switch (random() % 9) {
      case 0:
      case 1:
        v.push_back(value);
        model.push_back(value);
        break;
      case 2:
        if (n) {
          v.pop_back();
          model.pop_back();
        }
        break;
      case 3:
        if (n) {
          std::size_t i = random() % n;
          v[i] = value;
          model[i] = value;
        }
        break;
      case 4: {
        std::size_t at = n ? random() % (n + 1) : 0, count = random() % 3;
        v.insert(v.begin() + long(at), count, value);
        model.insert(model.begin() + long(at), count, value);
        break;
      }
      case 5:
        if (n) {
          std::size_t first = random() % n, last = first + random() % (n - first + 1);
          v.erase(v.begin() + long(first), v.begin() + long(last));
          model.erase(model.begin() + long(first), model.begin() + long(last));
        }
        break;
      case 6: {
        std::size_t size = random() % 40;
        v.resize(size, value);
        model.resize(size, value);
        break;
      }
      case 7:
        std::sort(v.begin(), v.end());
        std::sort(model.begin(), model.end());
        break;
      case 8:
        if (n) {
          std::size_t at = random() % n;
          v.insert(v.begin() + long(at), v[0]);
          model.insert(model.begin() + long(at), model[0]);
        }
        break;
      }
      ASSERT_EQ(contents(v), model) << "seed " << seed << ", step " << step;
    }
  }
}

TEST(Vector, HasTheInterfacePeopleUse) {
  stm::vector<int> v{3, 1, 2};
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v.front(), 3);
  EXPECT_EQ(v.back(), 2);
  EXPECT_THROW(v.at(3), std::out_of_range);
  v.emplace_back(7);
  EXPECT_EQ(std::accumulate(v.cbegin(), v.cend(), 0), 13);
  EXPECT_NE(std::find(v.begin(), v.end(), 7), v.end());
  std::reverse(v.begin(), v.end());
  EXPECT_EQ(v, (stm::vector<int>{7, 2, 1, 3}));
  EXPECT_LT((stm::vector<int>{1, 2}), (stm::vector<int>{1, 3}));
  stm::vector<int> copy = v;
  copy[0] = 100;
  EXPECT_EQ(v[0], 7) << "a copy has elements of its own";
  stm::vector<int> moved = std::move(copy);
  EXPECT_EQ(moved[0], 100);
  EXPECT_TRUE(copy.empty());
  swap(v, moved);
  EXPECT_EQ(v[0], 100);
  EXPECT_EQ(moved[0], 7);
  v.clear();
  EXPECT_TRUE(v.empty());
  v.assign(3, 9);
  EXPECT_EQ(v, (stm::vector<int>{9, 9, 9}));
  int sum = 0;
  for (auto it = v.rbegin(); it != v.rend(); ++it)
    sum += *it;
  EXPECT_EQ(sum, 27);
}

TEST(Vector, HoldsStringsAndStructs) {
  stm::vector<stm::string> words{"pear", "apple", "fig"};
  std::sort(words.begin(), words.end());
  EXPECT_EQ(words[0], "apple");
  words[1] += "s";
  EXPECT_EQ(words[1], "figs");
  std::string first = words.front();
  EXPECT_EQ(first, "apple");

  Shelf *shelf = stm::make<Shelf>();
  stm::atomic([&] {
    shelf->points.resize(3);
    shelf->points[1].x = 5;
    auto it = shelf->points.begin() + 2;
    it->y = 6;
    for (Point &p : shelf->points)
      p.x += 1;
  });
  EXPECT_EQ(shelf->points[0].x, 1);
  EXPECT_EQ(shelf->points[1].x, 6);
  EXPECT_EQ(shelf->points[2].y, 6);
}

TEST(Vector, AFieldGetsEveryAppendOfConcurrentBlocksOnce) {
  Customer *ada = stm::make<Customer>("Ada");
  constexpr int threads = 4, each = 300;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([ada, t] {
      for (int i = 0; i < each; ++i)
        stm::atomic([&] {
          ada->reservations.push_back(t * each + i);
          if (i % 50 == 0)
            ada->notes.push_back(stm::string("thread ") + stm::string(std::to_string(t)));
        });
    });
  for (std::thread &w : workers)
    w.join();
  std::vector<long> all = contents(ada->reservations);
  std::sort(all.begin(), all.end());
  std::vector<long> expected(threads * each);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
  EXPECT_EQ(ada->notes.size(), std::size_t(threads * each / 50));
  EXPECT_EQ(ada->name, "Ada");
}

TEST(Vector, ARetriedBlockChangesALocalOutsideItOnce) {
  stm::vector<int> log;
  for (int i = 0; i < 10; ++i)
    stm::atomic([&] {
      log.push_back(i);
      log[0] += 1;
    });
  EXPECT_EQ(log.size(), 10u);
  EXPECT_EQ(log[0], 10);
  EXPECT_EQ(log[9], 9);
}

#if defined(__STMIFY__)
TEST(Vector, ACancelledBlockLeavesTheVectorAsItWas) {
  Customer *bob = stm::make<Customer>("Bob");
  bob->reservations = {1, 2, 3};
  EXPECT_THROW(stm::atomic_cancel([&] {
                 bob->reservations.push_back(4);
                 bob->reservations[0] = 100;
                 bob->reservations.erase(bob->reservations.begin() + 1);
                 throw std::runtime_error("cancel");
               }),
               std::runtime_error);
  EXPECT_EQ(contents(bob->reservations), (std::vector<long>{1, 2, 3}));
}
#endif

TEST(Vector, ALongVectorIsWrittenCardByCardFromTwoThreads) {
  Customer *c = stm::make<Customer>("Long");
  c->reservations.resize(20000);
  std::vector<std::thread> workers;
  for (int t = 0; t < 2; ++t)
    workers.emplace_back([c, t] {
      for (int round = 0; round < 20; ++round)
        stm::atomic([&] {
          for (std::size_t i = std::size_t(t) * 10000; i < std::size_t(t + 1) * 10000; i += 97)
            c->reservations[i] += 1;
        });
    });
  for (std::thread &w : workers)
    w.join();
  long total = 0;
  for (long r : c->reservations)
    total += r;
  EXPECT_EQ(total, 2 * 20 * ((10000 + 96) / 97));
}

TEST(Vector, ElementsReachableOnlyThroughVectorsSurviveCollections) {
  Shelf *shelf = stm::make<Shelf>();
  for (long i = 0; i < 2000; ++i) {
    stm::atomic([&] { shelf->nodes.push_back(stm::make<Node>(i)); });
    if (i % 500 == 0) {
      stm::vector<Node *> dropped(100);
      for (std::size_t k = 0; k < dropped.size(); ++k)
        dropped[k] = stm::make<Node>(-1);
      stm::collect();
    }
  }
  stm::collect();
  long sum = 0;
  for (Node *n : shelf->nodes)
    sum += n->value;
  EXPECT_EQ(sum, 1999L * 2000 / 2);
}

TEST(Vector, AReferenceOutsideBlocksWritesWhereNothingCanMoveTheThread) {
  Customer *c = stm::make<Customer>("Ref");
  c->reservations = {1, 2, 3};
  for (long &r : c->reservations)
    r *= 10;
  {
    long &first = c->reservations[0];
    first += 1;
  }
  EXPECT_EQ(contents(c->reservations), (std::vector<long>{11, 20, 30}));
}

TEST(Vector, ConcurrentTransactionsAgreeWithASerialReplay) {
  for (unsigned seed = 0; seed < 200; ++seed) {
    stm::vector<long> v;
    const std::vector<replay::Op> ops =
        replay::run_concurrently(seed, 4, [&](const replay::Op &op) {
          switch (op.kind) {
          case 0:
            v.push_back(op.value);
            return long(v.size());
          case 1: {
            if (v.empty())
              return -1L;
            const long last = v.back();
            v.pop_back();
            return last;
          }
          case 2:
            return v.empty() ? -1L : v[std::size_t(op.key) % v.size()] += op.value;
          default:
            return v.empty() ? -1L : std::accumulate(v.cbegin(), v.cend(), 0L);
          }
        });
    std::vector<long> model;
    for (const replay::Op &op : ops) {
      long want = 0;
      switch (op.kind) {
      case 0:
        model.push_back(op.value);
        want = long(model.size());
        break;
      case 1:
        want = model.empty() ? -1 : model.back();
        if (!model.empty())
          model.pop_back();
        break;
      case 2:
        want = model.empty() ? -1 : model[std::size_t(op.key) % model.size()] += op.value;
        break;
      default:
        want = model.empty() ? -1 : std::accumulate(model.begin(), model.end(), 0L);
      }
      ASSERT_EQ(op.result, want) << "seed " << seed << " clock " << op.clock;
    }
    ASSERT_EQ(std::vector<long>(v.begin(), v.end()), model) << "seed " << seed;
  }
}

} // namespace
