// indep: each thread owns 16 objects of 256 words; an operation, on one of
// its own objects, reads 200 words and increments 100 (no true sharing, as a
// transaction_queue's independent tasks). Check: the sum of all words is 100
// per operation.
#include "harness.h"

struct Block : stm::object {
  long words[256] = {};
};

struct Independent {
  static constexpr unsigned PerThread = 16;
  std::vector<std::vector<Block *>> owned;

  explicit Independent(const bench::Options &O) : owned(O.Threads) {
    for (std::vector<Block *> &Mine : owned)
      for (unsigned I = 0; I < PerThread; ++I)
        Mine.push_back(stm::make<Block>());
  }

  void operation(bench::Random &R, unsigned Thread) {
    Block *B = owned[Thread][R.below(PerThread)];
    unsigned First = R.below(256);
    long Read = 0;
    stm::atomic([&] {
      long Sum = 0;
      for (unsigned I = 0; I < 200; ++I)
        Sum += B->words[(First + I * 7) & 255];
      for (unsigned I = 0; I < 100; ++I)
        B->words[(First + I) & 255] += 1;
      Read = Sum;
    });
    if (Read < 0)
      std::abort(); // keeps the reads
  }

  bool check(const bench::Options &O) const {
    long Sum = 0;
    for (const std::vector<Block *> &Mine : owned)
      for (const Block *B : Mine)
        for (long W : B->words)
          Sum += W;
    return Sum == O.Ops * 100;
  }
};

BENCH_MAIN("indep", Independent)
