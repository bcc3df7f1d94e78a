// Written as a user would: a class template of managed shelves whose
// constructor loops, takes a lock and keeps the address of a `const long &`
// argument; six workers restock in atomic blocks and make spare shelves
// outside them, with indexes a looping helper computes. stm::make must hand
// the constructor the caller's reference, not a copy of it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <stmify/stm.hpp>
#include <thread>
#include <vector>

std::mutex audit_lock;
long audited = 0;
const long reorder_level = 7;

template <class T, unsigned N> struct Bins : stm::object {
  T counts[N] = {};
  const long *threshold;
  long serial;
  Bins(const long &level, long seed) : threshold(&level), serial(0) {
    for (unsigned i = 0; i < N; ++i)
      counts[i] = static_cast<T>((seed * 13 + i) % 5);
    std::lock_guard<std::mutex> guard(audit_lock);
    serial = ++audited;
  }
};

using Shelf = Bins<long, 16>;

unsigned bin_for(const Shelf &shelf, long sku) {
  unsigned h = 0;
  for (long k = sku; k > 0; k /= 3)
    h = h * 7 + static_cast<unsigned>(k % 3) + static_cast<unsigned>(*shelf.threshold % 2);
  return h % 16;
}

void restock(long &count, long amount) { count += amount; }

struct Store : stm::object {
  Shelf *shelves[4] = {};
  long restocks = 0;
};

int main() {
  Store *store = stm::make<Store>();
  for (long s = 0; s < 4; ++s)
    store->shelves[s] = stm::make<Shelf>(reorder_level, s);
  std::vector<std::thread> workers;
  for (long w = 0; w < 6; ++w)
    workers.emplace_back([store, w] {
      for (long sku = 0; sku < 2000; ++sku) {
        Shelf *shelf = store->shelves[(sku + w) % 4];
        stm::atomic([&] {
          shelf->counts[bin_for(*shelf, sku)] += 1;
          store->restocks += 1;
        });
        if (sku % 50 == 0) {
          Shelf *spare = stm::make<Shelf>(reorder_level, sku + w);
          long extra = spare->counts[bin_for(*spare, sku)];
          std::lock_guard<std::mutex> guard(audit_lock);
          audited += extra;
        }
      }
    });
  for (auto &t : workers)
    t.join();
  long total = 0;
  bool thresholds_kept = true;
  for (Shelf *shelf : store->shelves) {
    total += std::accumulate(std::begin(shelf->counts), std::end(shelf->counts), 0L);
    thresholds_kept = thresholds_kept && shelf->threshold == &reorder_level;
  }
  std::printf("restocking: total %ld, restocks %ld, audited %ld, thresholds %s\n", total,
              store->restocks, audited, thresholds_kept ? "kept" : "lost");
  return thresholds_kept && total == 12128 && store->restocks == 12000 ? EXIT_SUCCESS
                                                                       : EXIT_FAILURE;
}
