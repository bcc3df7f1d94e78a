// Atomic blocks handed to stm::atomic by name rather than written in the
// call: a lambda kept in a local, one also called directly, a
// std::function, a function object holding references to the thread's
// locals, and one that counts its own calls. The blocks update a local of
// their thread (and, but for the one also called outside blocks, a shared
// managed object); an abort must leave no trace of the attempt in either,
// so every thread's counts come out exact.
#include "idiom.h"

#include <functional>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int rounds = 300;

struct Shared : stm::object {
  long updates = 0;
};

// Holds a reference to its caller's local.
struct Recorder {
  Shared *shared;
  long &recorded;
  void operator()() {
    shared->updates += 1;
    recorded += 1;
  }
};

// Counts its own calls.
struct Counter {
  Shared *shared;
  long calls = 0;
  void operator()() {
    shared->updates += 1;
    calls += 1;
  }
};

} // namespace

int main() {
  Shared *shared = stm::make<Shared>();
  std::vector<long> right(5, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      long stored = 0, called = 0, wrapped = 0, recorded = 0;
      auto stored_step = [&] {
        shared->updates += 1;
        stored += 1;
      };
      auto called_step = [&] { called += 1; }; // called outside blocks too
      std::function<void()> wrapped_step = [&] {
        shared->updates += 1;
        wrapped += 1;
      };
      Recorder recorder{shared, recorded};
      Counter counter{shared};
      for (int i = 0; i < rounds; ++i) {
        stm::atomic(stored_step);
        if (i % 2 == 0)
          stm::atomic(called_step);
        else
          called_step();
        stm::atomic(wrapped_step);
        stm::atomic(recorder);
        stm::atomic(counter);
      }
      long results[] = {stored, called, wrapped, recorded, counter.calls};
      stm::atomic([&] {
        for (int k = 0; k < 5; ++k)
          if (results[k] == rounds)
            right[k] += 1;
      });
    });
  for (std::thread &thread : threads)
    thread.join();
  const char *names[] = {"a stored lambda", "a lambda also called directly", "a std::function",
                         "a function object with references", "a function object's own count"};
  for (int k = 0; k < 5; ++k)
    std::printf("%s: counts right in %ld of %d threads\n", names[k], right[k], workers);
  std::printf("shared updates %ld of %d\n", shared->updates, workers * rounds * 4);
  idiom::report_collections();
}
