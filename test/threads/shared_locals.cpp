// Locals that threads share, used inside atomic blocks: a std::atomic and a
// std::atomic_flag of main's, captured by reference by every thread, that
// the blocks update directly (which makes them inevitable) and from their
// stm::on_commit handlers; and a thread's own count kept by its
// stm::on_abort handlers. Then each thread's own struct, whose plain member
// its blocks count in and whose std::atomic member the next thread's blocks
// count in, and a block inside each commit handler. An atomic block restores
// the locals it writes when it is rolled back, but none of these: the shared
// ones hold other threads' updates by then (of the struct, only the plain
// member is restored), the handlers' writes are not the block's, and a
// handler's block is a transaction of its own that restores its own locals.
#include "idiom.h"

#include <atomic>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int blocks_per_worker = 300;

struct Shared : stm::object {
  long blocks = 0;
  long handled = 0;
};

struct Counts {
  std::atomic<long> from_neighbour{0};
  long own = 0;
};

} // namespace

int main() {
  Shared *shared = stm::make<Shared>();
  std::atomic<long> entered{0};     // updated inside the blocks
  std::atomic<long> committed{0};   // updated by on_commit handlers
  std::atomic<long> rolled_back{0}; // updated by on_abort handlers
  std::atomic<long> counted_aborts{0};
  std::atomic_flag first = ATOMIC_FLAG_INIT;
  std::atomic<long> handler_blocks{0};
  // Each thread's Counts, published once all exist; kept until all finish.
  std::vector<Counts *> counts(workers, nullptr);
  std::atomic<int> published{0}, finished{0};
  std::atomic<long> counts_right{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      Counts mine;
      counts[w] = &mine;
      published.fetch_add(1);
      while (published.load() < workers) {
      }
      Counts *next = counts[(w + 1) % workers];
      long my_aborts = 0;
      for (int i = 0; i < blocks_per_worker; ++i) {
        stm::atomic([&] {
          shared->blocks += 1;
          mine.own += 1;
          next->from_neighbour.fetch_add(1);
          stm::on_commit([&committed] { committed.fetch_add(1); });
          stm::on_commit([&handler_blocks, shared] {
            long counted = 0;
            stm::atomic([&] { counted += 1 + 0 * shared->blocks; });
            handler_blocks.fetch_add(counted);
          });
          stm::on_abort([&] {
            my_aborts += 1;
            rolled_back.fetch_add(1);
          });
          if (i % 10 == 0) {
            entered.fetch_add(1);
            if (!first.test_and_set())
              shared->handled += 1;
          }
        });
      }
      counted_aborts.fetch_add(my_aborts);
      finished.fetch_add(1);
      while (finished.load() < workers) {
      }
      if (mine.own == blocks_per_worker && mine.from_neighbour.load() == blocks_per_worker)
        counts_right.fetch_add(1);
    });
  for (std::thread &thread : threads)
    thread.join();
  std::printf("blocks %ld, first %ld\n", shared->blocks, shared->handled);
  std::printf("entered %ld of %d\n", entered.load(), workers * blocks_per_worker / 10);
  std::printf("committed %ld of %d\n", committed.load(), workers * blocks_per_worker);
  std::printf("handlers' own blocks counted %ld of %d\n", handler_blocks.load(),
              workers * blocks_per_worker);
  std::printf("threads whose counts are right: %ld of %d\n", counts_right.load(), workers);
  std::printf("aborts counted by each thread %s the handlers' count\n",
              counted_aborts.load() == rolled_back.load() ? "match" : "do not match");
  idiom::report_collections();
}
