// Writes that an atomic block must not repeat when it runs again after a
// conflict: counters reached through a pointer, written by a lambda defined
// before the block, through generic-lambda, function-template and
// class-template out-parameters, through structured bindings, and members of
// the object whose method runs the block. Four threads share one account, so
// their blocks conflict; every counter must end equal to the number of blocks.
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

struct Account : stm::object {
  long balance = 0;
};

struct Stats {
  long records = 0;
  void record() { ++records; }
};

struct Totals {
  long hits = 0, misses = 0;
};

template <class T> void accumulate(T &total, T by) { total += by; }
template <class T> struct Sink {
  static void put(T *out, T by) { *out += by; }
};

// Reads the balance many times, then writes it: long enough for the
// threads' blocks to overlap and conflict.
void deposit(Account *account) {
  long seen = 0;
  for (int k = 0; k < 2000; ++k)
    seen = account->balance;
  account->balance = seen + 1;
}

struct Worker {
  Account *account;
  long done = 0;
  long noted = 0;
  void work() {
    stm::atomic([&] {
      deposit(account);
      ++done;
    });
  }
  void work_and_note() {
    auto note = [this] { ++noted; };
    stm::atomic([&] {
      deposit(account);
      note();
    });
  }
};

// Runs an action in an atomic block of its own, as a user's helper would.
template <class F> void in_block(Account *account, F action) {
  stm::atomic([&] {
    deposit(account);
    action();
  });
}

constexpr int kThreads = 4, kBlocks = 1000, kCounters = 10;
const char *const kNames[kCounters] = {"pointer",       "lambda",   "generic", "template",
                                       "out-param",     "bindings", "pair",    "member",
                                       "member-lambda", "helper"};

int main() {
  Account *account = stm::make<Account>();
  std::vector<long> counts(kThreads * kCounters);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Stats stats;
      Stats *through_pointer = &stats;
      long by_lambda = 0, generic = 0, templated = 0, out = 0, helped = 0;
      auto count = [&] { ++by_lambda; };
      auto add = [](auto &total, long by) { total += by; };
      Totals totals;
      std::pair<long, long> pair{0, 0};
      Worker worker{account};
      // Each kind of write in a block of its own: a block that became
      // inevitable for one of them would protect the others.
      for (int i = 0; i < kBlocks; ++i) {
        stm::atomic([&] {
          deposit(account);
          through_pointer->record();
        });
        stm::atomic([&] {
          deposit(account);
          count();
        });
        stm::atomic([&] {
          deposit(account);
          add(generic, 1);
        });
        stm::atomic([&] {
          deposit(account);
          accumulate(templated, 1L);
        });
        stm::atomic([&] {
          deposit(account);
          Sink<long>::put(&out, 1);
        });
        stm::atomic([&] {
          deposit(account);
          auto &[hits, misses] = totals;
          hits += 1;
          (void)misses;
        });
        stm::atomic([&] {
          deposit(account);
          auto &[first, second] = pair;
          first += 1;
        });
        worker.work();
        worker.work_and_note();
        in_block(account, [&] { ++helped; });
      }
      long *c = &counts[t * kCounters];
      long values[kCounters] = {stats.records, by_lambda,  generic,     templated,    out,
                                totals.hits,   pair.first, worker.done, worker.noted, helped};
      for (int k = 0; k < kCounters; ++k)
        c[k] = values[k];
    });
  for (auto &th : threads)
    th.join();
  int wrong = 0;
  for (int k = 0; k < kCounters; ++k) {
    long sum = 0;
    for (int t = 0; t < kThreads; ++t)
      sum += counts[t * kCounters + k];
    std::printf("%s %ld\n", kNames[k], sum);
    wrong += sum != kThreads * kBlocks;
  }
  std::printf("balance %ld\n", account->balance);
  return wrong == 0 && account->balance == long{kCounters} * kThreads * kBlocks ? 0 : 1;
}
