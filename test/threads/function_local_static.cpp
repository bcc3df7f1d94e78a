// Function-local statics: a lazily made shared registry that threads reach
// through an accessor (the first caller fills it, the others wait for it and
// then read it), and, inside queued tasks, a table that the first task needing
// it builds while it registers the table's name under a program lock.
#include "idiom.h"

#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Registry : stm::object {
  long base = 0;
  long step = 0;
  idiom::Item *sample = nullptr;
};

Registry *make_registry() {
  Registry *made = stm::make<Registry>();
  idiom::churn(2000); // the other threads wait for the static meanwhile
  made->base = 100;
  made->step = 7;
  made->sample = stm::make<idiom::Item>(3);
  return made;
}

Registry *registry() {
  static Registry *const instance = make_registry();
  return instance;
}

struct Result : stm::object {
  long value = 0;
};

std::mutex names_lock;
std::vector<std::string> names;

struct Table : stm::object {
  long factor = 0;
};

Table *make_table() {
  Table *table = stm::make<Table>();
  table->factor = 3;
  std::lock_guard<std::mutex> lock(names_lock);
  names.push_back("table");
  return table;
}

long scaled(long i) {
  static Table *const table = make_table();
  return table->factor * i;
}

} // namespace

int main() {
  std::vector<Result *> results;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    results.push_back(stm::make<Result>());
    threads.emplace_back([t, result = results.back()] {
      Registry *r = registry();
      result->value = r->base + r->step * t + r->sample->weight;
    });
  }
  for (std::thread &t : threads)
    t.join();
  const long sum = std::accumulate(results.begin(), results.end(), 0L,
                                   [](long s, const Result *r) { return s + r->value; });
  std::printf("threads: sum %ld\n", sum);

  Result *total = stm::make<Result>();
  stm::transaction_queue tq;
  for (int i = 0; i < 200; ++i)
    tq.add(
        [total](long i) {
          total->value += scaled(i);
          idiom::churn(20);
        },
        i);
  tq.run();
  std::lock_guard<std::mutex> lock(names_lock);
  std::printf("tasks: sum %ld, %zu table(s) registered\n", total->value, names.size());
  idiom::report_collections();
}
