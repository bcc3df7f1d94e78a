// Compiled with the stmify plugin, on two segments: what a thread wrote
// outside atomic blocks is published before it starts another thread.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace {

struct Account : stm::object {
  long balance = 0;
};

// The object is old (both segments have their own copy of its page); main
// changes it outside any atomic block and starts a reader each round. Without
// the publication at the thread start, a reader on the other segment sees an
// older balance now and then.
TEST(PluginThreads, StartedThreadsSeeWhatTheirCreatorWrote) {
  ASSERT_EQ(stm::segment_limit(), 2u);
  Account *a = stm::make<Account>();
  int stale = 0;
  for (int round = 0; round < 1000; ++round) {
    a->balance = 100 + round;
    long seen = -1;
    std::thread reader([a, &seen] { seen = stm::atomic([&] { return a->balance; }); });
    reader.join();
    stale += seen != 100 + round;
  }
  EXPECT_EQ(stale, 0);
}

} // namespace
