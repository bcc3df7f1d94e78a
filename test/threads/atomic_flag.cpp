// A spin lock made of std::atomic_flag (test_and_set with acquire, clear with
// release) guarding a shared managed tally and a managed list of new items.
// Then queued tasks that take the spin lock inside their atomic blocks.
#include "idiom.h"

#include <atomic>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int items_per_worker = 300;

class spin_lock {
public:
  void lock() {
    while (flag_.test_and_set(std::memory_order_acquire)) {
    }
  }
  void unlock() { flag_.clear(std::memory_order_release); }

private:
  std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
};

struct Entry : stm::object {
  idiom::Item *item;
  Entry *next;
  Entry(idiom::Item *item, Entry *next) : item(item), next(next) {}
};

struct Shared : stm::object {
  Entry *entries = nullptr;
  long count = 0;
};

spin_lock spin;

void add(Shared *shared, idiom::Item *item) {
  spin.lock();
  shared->entries = stm::make<Entry>(item, shared->entries);
  shared->count += 1;
  spin.unlock();
}

void print(const char *what, const Shared *shared) {
  idiom::Tally *tally = stm::make<idiom::Tally>();
  for (Entry *entry = shared->entries; entry != nullptr; entry = entry->next)
    tally->add(entry->item);
  std::printf("%s: %ld counted, ", what, shared->count);
  idiom::report("listed", tally);
}

} // namespace

int main() {
  Shared *shared = stm::make<Shared>();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([shared, w] {
      for (int i = 0; i < items_per_worker; ++i) {
        add(shared, stm::make<idiom::Item>(w * items_per_worker + i));
        idiom::churn(5);
      }
    });
  for (std::thread &t : threads)
    t.join();
  print("threads", shared);

  Shared *queued = stm::make<Shared>();
  stm::transaction_queue tq;
  for (int i = 0; i < 500; ++i)
    tq.add([queued](long id) { add(queued, stm::make<idiom::Item>(id)); }, i);
  tq.run();
  print("tasks", queued);
  idiom::report_collections();
}
