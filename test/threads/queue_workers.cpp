// stm::transaction_queue with more workers than there may be segments:
// transaction_queue tq(3) and tq(2), each running many small tasks that
// update a few shared managed counters and make garbage. On one or two
// segments some workers must wait for a segment while others run.
#include "idiom.h"

#include <array>

namespace {

struct Counter : stm::object {
  long count = 0;
  long sum = 0;
};

void run_queue(const char *what, unsigned workers, int tasks) {
  std::array<Counter *, 4> counters;
  for (Counter *&counter : counters)
    counter = stm::make<Counter>();
  stm::transaction_queue tq(workers);
  for (int i = 0; i < tasks; ++i)
    tq.add(
        [](Counter *counter, idiom::Item *item) {
          counter->count += 1;
          counter->sum += item->weight;
          idiom::churn(3);
        },
        counters[i % 4], stm::make<idiom::Item>(i));
  tq.run();
  long count = 0, sum = 0;
  for (Counter *counter : counters) {
    count += counter->count;
    sum += counter->sum;
  }
  std::printf("%s: %ld tasks, sum %ld\n", what, count, sum);
}

// What tasks keep in themselves and in what their arguments refer to: a
// mutable lambda counts its calls (one, however often its task is retried),
// tasks write their results through a std::ref argument (each once, none
// lost to another task's retry), and a generic lambda takes its argument by
// auto&.
void run_task_state(unsigned workers) {
  Counter *shared = stm::make<Counter>();
  std::array<long, 64> results{};
  stm::transaction_queue tq(workers);
  for (int i = 0; i < 64; ++i)
    tq.add([shared, calls = 0]() mutable {
      ++calls;
      shared->count += calls;
    });
  for (int i = 0; i < 64; ++i)
    tq.add(
        [shared](std::array<long, 64> &out, int i) {
          shared->sum += 1;
          out[static_cast<std::size_t>(i)] = i + 1;
        },
        std::ref(results), i);
  tq.add(
      [shared](auto &n) {
        n += 1;
        shared->sum += n;
      },
      10L);
  tq.run();
  long missing = 0;
  for (int i = 0; i < 64; ++i)
    missing += results[static_cast<std::size_t>(i)] != i + 1;
  std::printf("task state: count %ld, sum %ld, results missing %ld\n", shared->count, shared->sum,
              missing);
}

} // namespace

int main() {
  run_queue("three workers", 3, 2000);
  run_queue("two workers", 2, 2000);
  run_task_state(2);
  idiom::report_collections();
}
