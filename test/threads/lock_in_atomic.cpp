// Locks taken inside atomic blocks: threads run atomic blocks that take a
// std::lock_guard (and a std::unique_lock) on a mutex guarding an unmanaged
// log, and update managed totals in the same block. Nothing takes the mutex
// outside atomic blocks. Then the same blocks as queued tasks.
#include "idiom.h"

#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int blocks_per_worker = 200;

struct Totals : stm::object {
  long logged = 0;
  long sum = 0;
};

std::mutex log_lock;
std::vector<long> log_entries;

void log_and_count(Totals *totals, idiom::Item *item, bool unique) {
  stm::atomic([&] {
    if (unique) {
      std::unique_lock<std::mutex> hold(log_lock);
      log_entries.push_back(item->id);
    } else {
      std::lock_guard<std::mutex> hold(log_lock);
      log_entries.push_back(item->id);
    }
    totals->logged += 1;
    totals->sum += item->weight;
  });
}

void print(const char *what, const Totals *totals) {
  long logged_sum = 0;
  for (long id : log_entries)
    logged_sum += id;
  std::printf("%s: %ld logged (%zu in the log, ids sum %ld), sum %ld\n", what, totals->logged,
              log_entries.size(), logged_sum, totals->sum);
}

} // namespace

int main() {
  Totals *totals = stm::make<Totals>();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([totals, w] {
      for (int i = 0; i < blocks_per_worker; ++i) {
        log_and_count(totals, stm::make<idiom::Item>(w * blocks_per_worker + i), i % 2 == 0);
        idiom::churn(10);
      }
    });
  for (std::thread &t : threads)
    t.join();
  print("threads", totals);

  log_entries.clear();
  Totals *queued = stm::make<Totals>();
  stm::transaction_queue tq;
  for (int i = 0; i < 400; ++i)
    tq.add([queued](idiom::Item *item) { log_and_count(queued, item, item->id % 3 == 0); },
           stm::make<idiom::Item>(i));
  tq.run();
  print("tasks", queued);
  idiom::report_collections();
}
