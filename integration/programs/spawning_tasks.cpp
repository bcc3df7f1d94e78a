// Tasks that add tasks: a recursive split of a range into queued subtasks,
// each adding its partial sum into one accumulator object.
#include <stmify/stm.hpp>

#include <cstdio>

struct Accumulator : stm::object {
  long sum = 0;
  long tasks = 0;
};

void split(stm::transaction_queue &tq, Accumulator *acc, long from, long to) {
  if (to - from <= 64) {
    long s = 0;
    for (long i = from; i < to; ++i)
      s += i * i % 1000;
    acc->sum += s;
    ++acc->tasks;
    return;
  }
  long mid = from + (to - from) / 2;
  tq.add([&tq, acc, from, mid] { split(tq, acc, from, mid); });
  tq.add([&tq, acc, mid, to] { split(tq, acc, mid, to); });
}

int main() {
  Accumulator *acc = stm::make<Accumulator>();
  stm::transaction_queue tq;
  tq.add([&tq, acc] { split(tq, acc, 0, 100000); });
  tq.run();
  long expected = 0;
  for (long i = 0; i < 100000; ++i)
    expected += i * i % 1000;
  std::printf("sum %ld leaves %ld\n", acc->sum, acc->tasks);
  return acc->sum == expected ? 0 : 1;
}
