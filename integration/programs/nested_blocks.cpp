// Atomic blocks inside atomic blocks, as a user composes them: a helper with
// its own block and its own locals, called from inside other blocks; a block
// nested in the body of another that writes a local of the outer block and a
// local of the function around both. Nested blocks are part of the outermost
// one: when it runs again after a conflict, nothing they did may count twice,
// and restoring what they saved must not write into stack frames that the
// abort already left. Four threads share one account, so their blocks
// conflict; every counter must end equal to the number of blocks.
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>
#include <vector>

struct Account : stm::object {
  long balance = 0;
  long deposits = 0;
};

// Its locals live in a frame of its own, below the outer block's.
long deposit(Account *account, long amount) {
  long seen = 0, steps = 0;
  stm::atomic([&] {
    for (int k = 0; k < 200; ++k) {
      seen = account->balance;
      ++steps;
    }
    account->balance = seen + amount;
    account->deposits += 1;
  });
  return steps > 0 ? amount : 0;
}

struct Tally {
  long outer = 0, inner = 0, helper = 0;
};

Tally run_thread(Account *account, int blocks) {
  Tally tally;
  long before = 0;
  for (int i = 0; i < blocks; ++i) {
    stm::atomic([&] {
      long local = account->balance; // a local of the outer block
      stm::atomic([&] {
        local += 1;
        tally.inner += 1; // a local of the function around both blocks
        before = account->deposits;
      });
      tally.helper += deposit(account, 1);
      tally.outer += local > 0 ? 1 : 0;
    });
  }
  return tally;
}

int main() {
  constexpr int kThreads = 4, kBlocks = 300;
  Account *account = stm::make<Account>();
  std::vector<Tally> tallies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] { tallies[t] = run_thread(account, kBlocks); });
  for (std::thread &th : threads)
    th.join();
  bool ok = true;
  for (int t = 0; t < kThreads; ++t) {
    std::printf("thread %d: outer %ld inner %ld helper %ld\n", t, tallies[t].outer,
                tallies[t].inner, tallies[t].helper);
    ok = ok && tallies[t].outer == kBlocks && tallies[t].inner == kBlocks &&
         tallies[t].helper == kBlocks;
  }
  const long balance = stm::atomic([&] { return account->balance; });
  const long deposits = stm::atomic([&] { return account->deposits; });
  std::printf("balance %ld deposits %ld\n", balance, deposits);
  ok = ok && balance == kThreads * kBlocks && deposits == kThreads * kBlocks;
  std::printf("%s\n", ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
