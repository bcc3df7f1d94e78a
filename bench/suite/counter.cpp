// counter: every operation increments one shared counter (the worst case of
// contention). Check: the counter equals the number of operations.
#include "harness.h"

struct Counter : stm::object {
  long value = 0;
};

struct SharedCounter {
  Counter *counter = stm::make<Counter>();

  explicit SharedCounter(const bench::Options &) {}

  void operation(bench::Random &, unsigned) {
    stm::atomic([&] { counter->value += 1; });
  }

  bool check(const bench::Options &O) const { return counter->value == O.Ops; }
};

BENCH_MAIN("counter", SharedCounter)
