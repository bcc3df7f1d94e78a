// std::call_once: every thread needs a shared managed configuration that the
// first of them makes and fills inside std::call_once; all then read it.
// Then queued tasks that call std::call_once on another flag inside their
// atomic blocks.
#include "idiom.h"

#include <mutex>
#include <thread>
#include <vector>

namespace {

struct Config : stm::object {
  long base = 0;
  long step = 0;
  idiom::Item *sample = nullptr;
};

Config *config = nullptr;
std::once_flag config_made;

Config *shared_config(long base) {
  std::call_once(config_made, [base] {
    Config *made = stm::make<Config>();
    idiom::churn(2000);
    made->base = base;
    made->step = 7;
    made->sample = stm::make<idiom::Item>(base);
    config = made;
  });
  return config;
}

struct Result : stm::object {
  long value = 0;
};

} // namespace

int main() {
  std::vector<Result *> results;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    results.push_back(stm::make<Result>());
    threads.emplace_back([t, result = results.back()] {
      idiom::churn(1000);
      Config *c = shared_config(100);
      result->value = c->base + c->step * t + c->sample->weight;
    });
  }
  for (std::thread &t : threads)
    t.join();
  long sum = 0;
  for (Result *result : results)
    sum += result->value;
  std::printf("threads: sum %ld\n", sum);

  static std::once_flag queued_made;
  Config *queued = stm::make<Config>();
  Result *total = stm::make<Result>();
  stm::transaction_queue tq;
  for (int i = 0; i < 200; ++i)
    tq.add(
        [queued, total](long i) {
          std::call_once(queued_made, [queued] {
            queued->base = 5;
            queued->step = 3;
          });
          total->value += queued->base + queued->step * i;
          idiom::churn(20);
        },
        i);
  tq.run();
  std::printf("tasks: sum %ld\n", total->value);
  idiom::report_collections();
}
