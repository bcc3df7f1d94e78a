// The library's own methods call the program's functions: a key's hash and
// ==, from every lookup of stm::dict and stm::set, an element's == and <,
// from the comparisons of two vectors, dictionaries or sets, and a
// thread_local_property's default factory. Here those functions loop, so
// they reach safe points: inside an atomic block an abort may leave them,
// and outside, with more threads than segments, the thread may continue in
// another segment. Neither may stop the program, and no method may read,
// through an address in the segment it left, values of a transaction that
// has not committed.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include "read_while_writing.h"

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace {

// A composite key: its == and hash loop over its parts.
struct Key {
  long parts[4];
  bool operator==(const Key &other) const {
    for (int i = 0; i < 4; ++i)
      if (parts[i] != other.parts[i])
        return false;
    return true;
  }
};

struct KeyHash {
  std::size_t operator()(const Key &key) const {
    std::size_t h = 0;
    for (long part : key.parts)
      h = h * 31 + std::size_t(part);
    return h;
  }
};

// A value compared through a loop as well.
struct Reading {
  long samples[3];
};
bool operator==(const Reading &a, const Reading &b) {
  for (int i = 0; i < 3; ++i)
    if (a.samples[i] != b.samples[i])
      return false;
  return true;
}
bool operator<(const Reading &a, const Reading &b) {
  for (int i = 0; i < 3; ++i)
    if (a.samples[i] != b.samples[i])
      return a.samples[i] < b.samples[i];
  return false;
}

Key key(long i) { return Key{{i, i + 1, i + 2, i + 3}}; }
Reading reading(long i) { return Reading{{i, -i, 2 * i}}; }

struct Index : stm::object {
  stm::vector<Key> keys;
  stm::dict<Key, long, KeyHash> positions;
  stm::set<Key, KeyHash> left, right;
  stm::vector<Reading> first, second;
  stm::dict<long, Reading> by_day, by_day_copy;
};

constexpr long kKeys = 24;

Index *filled_index() {
  Index *index = stm::make<Index>();
  stm::atomic([&] {
    for (long i = 0; i < kKeys; ++i) {
      index->keys.push_back(key(i));
      index->positions[key(i)] = i;
      index->left.insert(key(i));
      index->right.insert(key(i));
      index->first.push_back(reading(i));
      index->second.push_back(reading(i));
      index->by_day[i] = reading(i);
      index->by_day_copy[i] = reading(i);
    }
  });
  return index;
}

// What a reader checks: every lookup finds what the committed state holds
// (the writer's changes are undone in the block that makes them).
bool consistent(Index *index) {
  long found = 0;
  for (long i = 0; i < kKeys; ++i) {
    found += long(index->positions.count(index->keys[i]));
    found += index->positions.get(key(i), -1) == i;
    found += index->left.contains(key(i));
    found += index->positions.find(key(i)) != index->positions.end();
  }
  return found == 4 * kKeys && index->left == index->right && index->first == index->second &&
         !(index->first < index->second) && index->by_day == index->by_day_copy;
}

TEST(LibraryCallbacks, RunInAtomicBlocksThatAbort) {
  Index *index = filled_index();
  bool ok = false;
  long erased = -1;
  stm::atomic([&] {
    ok = consistent(index);
    erased = long(index->positions.erase(key(kKeys)) + index->left.erase(key(kKeys)));
    index->positions.insert_or_assign(key(kKeys + 1), 7);
    index->positions.try_emplace(key(kKeys + 2), 8);
    index->right.insert(key(kKeys + 1));
  });
  EXPECT_TRUE(ok);
  EXPECT_EQ(erased, 0);
  EXPECT_EQ(index->positions.size(), std::size_t(kKeys + 2));
  EXPECT_EQ(index->right.size(), std::size_t(kKeys + 1));
  EXPECT_EQ(index->positions.get(key(kKeys + 1)), 7);
}

TEST(LibraryCallbacks, ReadOnlyCommittedStateOutsideAtomicBlocks) {
  Index *index = filled_index();
  // Each block changes what the readers look up and changes it back, adding
  // and removing keys so that leaves split meanwhile.
  const reading_results results = read_while_writing(
      [&] {
        for (int round = 0; round < 1000; ++round)
          stm::atomic([&] {
            for (long i = 0; i < kKeys; ++i) {
              for (long &part : index->keys[i].parts)
                part += 1000;
              index->second[i].samples[1] += 1;
              index->by_day[i].samples[2] += 1;
            }
            for (long i = 0; i < kKeys; ++i)
              index->right.insert(key(1000 + round * kKeys + i));
            index->positions.erase(key(0));
            for (long i = 0; i < kKeys; ++i) {
              for (long &part : index->keys[i].parts)
                part -= 1000;
              index->second[i].samples[1] -= 1;
              index->by_day[i].samples[2] -= 1;
            }
            for (long i = 0; i < kKeys; ++i)
              index->right.erase(key(1000 + round * kKeys + i));
            index->positions[key(0)] = 0;
          });
      },
      [&] { return consistent(index); });
  EXPECT_EQ(results.wrong, 0) << "of " << results.rounds << " rounds";
  EXPECT_GT(results.rounds, 0);
}

long slow_default() {
  long sum = 0;
  for (long i = 0; i < 20000; ++i)
    sum += i % 7;
  return sum > 0 ? 1 : 0;
}

struct Holder : stm::object {
  stm::thread_local_property<long> scratch{slow_default};
};

TEST(LibraryCallbacks, DefaultFactoryOutsideAtomicBlocks) {
  Holder *holder = stm::make<Holder>();
  std::atomic<long> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        if (holder->scratch.get() != 1)
          ++wrong;
        holder->scratch.clear();
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
}

} // namespace
