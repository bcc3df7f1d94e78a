// std::thread started with a managed argument made in the argument list,
// both as `std::thread t(f, stm::make<Task>(...))` and as
// `threads.emplace_back(f, stm::make<Task>(...))`. Each child reads its new
// task and a shared configuration main changed just before starting it, and
// writes its answer into a result object of its own; main reads the results
// after join.
#include "idiom.h"

#include <thread>
#include <vector>

namespace {

constexpr int rounds = 25;
constexpr int children = 4;

struct Config : stm::object {
  long factor = 0;
  long offset = 0;
};

struct Result : stm::object {
  long value = 0;
};

struct Task : stm::object {
  long id;
  Config *config;
  Result *result;
  Task(long id, Config *config, Result *result) : id(id), config(config), result(result) {}
};

void run(Task *task) {
  idiom::churn(20);
  task->result->value = task->id * task->config->factor + task->config->offset;
}

} // namespace

int main() {
  Config *config = stm::make<Config>();
  long sum = 0;
  for (int round = 0; round < rounds; ++round) {
    config->factor = round + 2;
    config->offset = round * 100;
    std::vector<Result *> results;
    for (int i = 0; i <= children; ++i)
      results.push_back(stm::make<Result>());
    std::thread first(run, stm::make<Task>(round, config, results[0]));
    std::vector<std::thread> threads;
    for (int i = 1; i <= children; ++i)
      threads.emplace_back(run, stm::make<Task>(round * 10 + i, config, results[i]));
    first.join();
    for (std::thread &t : threads)
      t.join();
    for (Result *result : results)
      sum += result->value;
  }
  std::printf("threads: sum %ld\n", sum);
  idiom::report_collections();
}
