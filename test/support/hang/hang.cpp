// A program that never finishes: one thread waits for a notification that
// never comes, another spins on a flag that never changes, and main joins
// them. Its test expects the watchdog to print both threads' stacks, each
// with the function it is stuck in, and to exit with its status.
#include <stmify/stm.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <pthread.h>
#include <thread>

struct Progress : stm::object {
  long rounds = 0;
};

std::mutex never_unlocked_for_long;
std::condition_variable never_notified;
std::atomic<bool> never_set{false};

// External linkage and no inlining: the stacks name these functions.
[[gnu::noinline]] void block_forever() {
  std::unique_lock<std::mutex> lock(never_unlocked_for_long);
  for (;;)
    never_notified.wait(lock);
}

[[gnu::noinline]] void spin_forever(Progress *progress) {
  while (!never_set.load(std::memory_order_relaxed))
    progress->rounds = progress->rounds + 1;
}

int main() {
  Progress *progress = stm::make<Progress>();
  std::thread blocked([] {
    pthread_setname_np(pthread_self(), "blocked-worker");
    block_forever();
  });
  std::thread spinning([progress] {
    pthread_setname_np(pthread_self(), "spinning-worker");
    spin_forever(progress);
  });
  std::puts("started");
  blocked.join();
  spinning.join();
  return 0;
}
