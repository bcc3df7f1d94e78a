// Locals that threads share, used inside atomic blocks: a std::atomic and a
// std::atomic_flag of main's, captured by reference by every thread, that
// the blocks update directly (which makes them inevitable) and from their
// stm::on_commit handlers; and a thread's own count kept by its
// stm::on_abort handlers. An atomic block restores the locals it writes
// when it is rolled back, but none of these: the shared ones hold other
// threads' updates by then, and the handlers' writes are not the block's.
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

} // namespace

int main() {
  Shared *shared = stm::make<Shared>();
  std::atomic<long> entered{0};     // updated inside the blocks
  std::atomic<long> committed{0};   // updated by on_commit handlers
  std::atomic<long> rolled_back{0}; // updated by on_abort handlers
  std::atomic<long> counted_aborts{0};
  std::atomic_flag first = ATOMIC_FLAG_INIT;
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      long my_aborts = 0;
      for (int i = 0; i < blocks_per_worker; ++i) {
        stm::atomic([&] {
          shared->blocks += 1;
          stm::on_commit([&committed] { committed.fetch_add(1); });
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
    });
  for (std::thread &thread : threads)
    thread.join();
  std::printf("blocks %ld, first %ld\n", shared->blocks, shared->handled);
  std::printf("entered %ld of %d\n", entered.load(), workers * blocks_per_worker / 10);
  std::printf("committed %ld of %d\n", committed.load(), workers * blocks_per_worker);
  std::printf("aborts counted by each thread %s the handlers' count\n",
              counted_aborts.load() == rolled_back.load() ? "match" : "do not match");
  idiom::report_collections();
}
