// Readers that check, outside atomic blocks, what a writer's atomic blocks
// leave committed, for as long as the writer runs. The blocks change what
// the readers look at and change it back, so a reader that sees anything
// but the committed state saw what a block had not committed.
#ifndef STMIFY_TEST_LIBRARY_READ_WHILE_WRITING_H
#define STMIFY_TEST_LIBRARY_READ_WHILE_WRITING_H

#include <atomic>
#include <thread>
#include <vector>

struct reading_results {
  long rounds = 0; // checks made
  long wrong = 0;  // checks that failed
};

// Runs write() on one thread and consistent() in a loop on `readers` others
// until write() returns.
template <class Write, class Check>
reading_results read_while_writing(Write &&write, Check &&consistent, int readers = 3) {
  std::atomic<bool> done{false};
  std::atomic<long> rounds{0}, wrong{0};
  std::thread writer([&] {
    write();
    done = true;
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < readers; ++t)
    threads.emplace_back([&] {
      while (!done) {
        if (!consistent())
          ++wrong;
        ++rounds;
      }
    });
  writer.join();
  for (std::thread &t : threads)
    t.join();
  return {rounds.load(), wrong.load()};
}

#endif // STMIFY_TEST_LIBRARY_READ_WHILE_WRITING_H
