// std::async and std::future::get: each asynchronous call gets a new managed
// range and returns a new managed partial result it made; main adds up the
// partial results it gets through the futures.
#include "idiom.h"

#include <future>
#include <vector>

namespace {

struct Range : stm::object {
  long from;
  long to;
  Range(long from, long to) : from(from), to(to) {}
};

struct Partial : stm::object {
  long sum = 0;
  long count = 0;
};

Partial *add_up(Range *range) {
  Partial *partial = stm::make<Partial>();
  for (long i = range->from; i < range->to; ++i) {
    partial->sum += i * 31 % 997;
    partial->count += 1;
    if (i % 16 == 0)
      idiom::churn(5);
  }
  return partial;
}

} // namespace

int main() {
  long sum = 0, count = 0;
  for (int round = 0; round < 5; ++round) {
    std::vector<std::future<Partial *>> futures;
    for (int i = 0; i < 4; ++i)
      futures.push_back(
          std::async(std::launch::async, add_up,
                     stm::make<Range>(round * 4000 + i * 1000, round * 4000 + (i + 1) * 1000)));
    for (std::future<Partial *> &future : futures) {
      Partial *partial = future.get();
      sum += partial->sum;
      count += partial->count;
    }
  }
  std::printf("threads: %ld numbers, sum %ld\n", count, sum);
  idiom::report_collections();
}
