// std::lock_guard. Workers register the items they make in a shared registry
// and count them in a shared managed histogram, both under one mutex; a
// worker also makes garbage while it holds the lock, so collections start
// while the others wait for it. Then the same as queued tasks, each taking
// the lock_guard inside its atomic block.
#include "idiom.h"

#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int items_per_worker = 250;

struct Histogram : stm::object {
  long bins[8] = {};
  long total = 0;
};

std::mutex registry_lock;
std::vector<idiom::Item *> registry;

void record(Histogram *histogram, idiom::Item *item) {
  std::lock_guard<std::mutex> hold(registry_lock);
  registry.push_back(item);
  histogram->bins[item->weight % 8] += 1;
  histogram->total += item->weight;
  idiom::churn(10);
}

void print(const char *what, const Histogram *histogram) {
  std::printf("%s: total %ld, bins", what, histogram->total);
  for (long bin : histogram->bins)
    std::printf(" %ld", bin);
  std::printf("\n");
}

} // namespace

int main() {
  Histogram *histogram = stm::make<Histogram>();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([histogram, w] {
      for (int i = 0; i < items_per_worker; ++i) {
        idiom::Item *item = stm::make<idiom::Item>(w * items_per_worker + i);
        idiom::churn(10);
        record(histogram, item);
      }
    });
  for (std::thread &t : threads)
    t.join();
  print("threads", histogram);
  idiom::Tally *seen = stm::make<idiom::Tally>();
  for (idiom::Item *item : registry)
    seen->add(item);
  idiom::report("registry", seen);

  Histogram *queued = stm::make<Histogram>();
  stm::transaction_queue tq;
  for (int i = 0; i < 500; ++i)
    tq.add([queued](idiom::Item *item) { record(queued, item); }, stm::make<idiom::Item>(i));
  tq.run();
  print("tasks", queued);
  idiom::report_collections();
}
