// What the idiom programs share: the managed objects they hand from thread to
// thread, allocation churn, and the report.
//
// Every program prints results that do not depend on how its threads are
// scheduled, so every build of it must print the same lines. Under a small
// STMIFY_HEAP_LIMIT the churn makes collections happen while other threads
// wait in the primitive the program is about.
#ifndef STMIFY_TEST_THREADS_IDIOM_H
#define STMIFY_TEST_THREADS_IDIOM_H

#include <stmify/stm.hpp>

#include <cstdio>
#include <vector>

namespace idiom {

// A unit of work, made by the thread that sends it.
struct Item : stm::object {
  long id;
  long weight;
  explicit Item(long id) : id(id), weight(id * 7919 % 1009 + 1) {}
};

// Where a receiver adds up what it got.
struct Tally : stm::object {
  long count = 0;
  long sum = 0;
  void add(const Item *item) {
    count += 1;
    sum += item->id * item->weight;
  }
  void add(const Tally *other) {
    count += other->count;
    sum += other->sum;
  }
};

// Garbage: short chains of small objects, dropped as soon as they are made.
struct Scrap : stm::object {
  long words[127] = {};
  Scrap *next = nullptr;
};

// Makes and drops `count` objects of about a kilobyte.
inline void churn(int count) {
  Scrap *chain = nullptr;
  for (int i = 0; i < count; ++i) {
    Scrap *scrap = stm::make<Scrap>();
    scrap->words[0] = i;
    scrap->next = chain;
    chain = i % 16 == 15 ? nullptr : scrap;
  }
}

// A new tally of everything the given tallies counted.
inline Tally *total_of(const std::vector<Tally *> &tallies) {
  Tally *total = stm::make<Tally>();
  for (const Tally *tally : tallies)
    total->add(tally);
  return total;
}

inline void report(const char *what, const Tally *tally) {
  std::printf("%s: %ld items, checksum %ld\n", what, tally->count, tally->sum);
}

// On stderr, which the builds need not agree on: whether a run with a small
// heap collected while its threads waited.
inline void report_collections() {
  std::fprintf(stderr, "collections: %llu\n", stm::stats().collections);
}

} // namespace idiom

#endif
