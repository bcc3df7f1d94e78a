// stm::dict where real conflicts matter: on two segments, without forced
// aborts. Built with the plugin and without it.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

namespace {

// A hash table as a user writes one from managed objects: buckets of linked
// nodes and a count of the keys, which every insertion writes.
struct Node : stm::object {
  long key, value;
  Node *next;
  Node(long key, long value, Node *next) : key(key), value(value), next(next) {}
};

struct HandTable : stm::object {
  stm::array<Node *> *buckets = stm::make_array<Node *>(4096);
  long count = 0;
  void insert(long key, long value) {
    const std::size_t b = std::hash<long>()(key) % buckets->size();
    for (Node *n = buckets->get(b); n; n = n->next)
      if (n->key == key) {
        n->value = value;
        return;
      }
    buckets->set(b, stm::make<Node>(key, value, buckets->get(b)));
    ++count;
  }
};

struct Tables : stm::object {
  stm::dict<long, long> dict;
  HandTable *hand = stm::make<HandTable>();
};

// Some work before each insertion, so that the two workers' transactions
// overlap as real ones do.
long value_of(long t) {
  unsigned long x = static_cast<unsigned long>(t);
  for (int i = 0; i < 2000; ++i)
    x = x * 6364136223846793005UL + 1442695040888963407UL;
  return static_cast<long>(x >> 2);
}

// The share of attempts that aborted while tasks on two segments inserted
// disjoint keys with `insert` (a lambda: a call through std::function would
// make every task inevitable).
template <class Insert> double aborted_percent(Insert insert) {
  constexpr long kTasks = 4000, kKeysPerTask = 4;
  const unsigned long long aborts = stm::stats().aborts, commits = stm::stats().commits;
  stm::transaction_queue tq;
  for (long t = 0; t < kTasks; ++t)
    tq.add([insert, t] {
      for (long k = 0; k < kKeysPerTask; ++k)
        insert(t * kKeysPerTask + k, value_of(t));
    });
  tq.run();
  const unsigned long long aborted = stm::stats().aborts - aborts;
  const unsigned long long attempts = aborted + (stm::stats().commits - commits);
  return 100.0 * double(aborted) / double(attempts ? attempts : 1);
}

// Different keys do not conflict: each key has an entry of its own, and
// keys are added to small leaves of a trie, not to one shared list or count.
TEST(DictTiming, InsertionsOfDifferentKeysDoNotConflict) {
  Tables *tables = stm::make<Tables>();
  const double dict =
      aborted_percent([tables](long key, long value) { tables->dict[key] = value; });
  const double hand =
      aborted_percent([tables](long key, long value) { tables->hand->insert(key, value); });
  std::printf("aborted attempts inserting disjoint keys: stm::dict %.1f %%, "
              "a hand-built managed hash table %.1f %%\n",
              dict, hand);
  EXPECT_EQ(tables->dict.size(), 16000u);
  EXPECT_EQ(tables->hand->count, 16000);
  long wrong = 0;
  for (const auto &[key, value] : tables->dict)
    wrong += value != value_of(key / 4);
  EXPECT_EQ(wrong, 0);
  // The hand-built table's rate depends on how much the two workers overlap
  // (on a loaded machine they rarely run at once): only the dict's is
  // checked.
  if (stm::instrumented && stm::segment_limit() >= 2) {
    EXPECT_LT(dict, 5.0);
  }
}

} // namespace
