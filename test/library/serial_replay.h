// A driver for model-based tests of the library's containers: three threads
// run random operations in atomic blocks on one container, and every block
// also advances one shared clock, which orders the blocks. The test replays
// the operations serially in that order on the standard container, and
// every result and the final contents must agree.
#ifndef STMIFY_TEST_LIBRARY_SERIAL_REPLAY_H
#define STMIFY_TEST_LIBRARY_SERIAL_REPLAY_H

#include <stmify/stm.hpp>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

namespace replay {

struct Clock : stm::object {
  long now = 0;
};

// One operation: its kind (0 to kinds - 1), a key below 24 and a value below
// 100 drawn at random, and what it returned.
struct Op {
  long clock;
  int order; // within its block
  int kind;
  long key, value, result;
};

// The operations of 3 threads × 12 blocks × 4 operations, each run by
// run(op) inside its block, in the order the blocks committed.
template <class Run> std::vector<Op> run_concurrently(unsigned seed, int kinds, Run run) {
  Clock *clock = stm::make<Clock>();
  std::vector<std::vector<Op>> logs(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 random(seed * 3 + unsigned(t));
      for (int block = 0; block < 12; ++block) {
        std::vector<Op> ops;
        for (int i = 0; i < 4; ++i)
          ops.push_back({0, i, int(random() % unsigned(kinds)), long(random() % 24),
                         long(random() % 100), 0});
        stm::atomic([&] {
          const long now = clock->now++;
          for (Op &op : ops) {
            op.clock = now;
            op.result = run(op);
          }
        });
        logs[std::size_t(t)].insert(logs[std::size_t(t)].end(), ops.begin(), ops.end());
      }
    });
  for (std::thread &t : threads)
    t.join();
  std::vector<Op> all;
  for (const auto &log : logs)
    all.insert(all.end(), log.begin(), log.end());
  std::sort(all.begin(), all.end(), [](const Op &a, const Op &b) {
    return a.clock != b.clock ? a.clock < b.clock : a.order < b.order;
  });
  return all;
}

} // namespace replay

#endif
