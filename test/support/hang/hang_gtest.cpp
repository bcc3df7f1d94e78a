// A GoogleTest test that never finishes; its ctest test expects the
// watchdog to print the stuck thread's stack and exit with its status.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <pthread.h>
#include <thread>

namespace {
std::mutex guard;
std::condition_variable never_notified;
} // namespace

[[gnu::noinline]] void block_forever() {
  std::unique_lock<std::mutex> lock(guard);
  for (;;)
    never_notified.wait(lock);
}

TEST(Watchdog, HangingTestFailsWithStacks) {
  std::thread blocked([] {
    pthread_setname_np(pthread_self(), "blocked-worker");
    block_forever();
  });
  blocked.join();
}
