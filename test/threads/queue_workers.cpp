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

} // namespace

int main() {
  run_queue("three workers", 3, 2000);
  run_queue("two workers", 2, 2000);
  idiom::report_collections();
}
