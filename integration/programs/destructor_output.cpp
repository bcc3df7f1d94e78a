// A block-local object whose destructor prints: every attempt of the block
// that aborts unwinds and destroys it, so the block must become inevitable
// before the object exists, or the line would be printed once per attempt.
// Four threads run conflicting blocks; the output has exactly one line per
// block.
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>
#include <vector>

struct Account : stm::object {
  long balance = 0;
};

struct Receipt {
  ~Receipt() { std::printf("receipt\n"); }
};

// Reads the balance many times (passing safe points, where a conflict is
// noticed), then writes it.
void deposit(Account *account) {
  long seen = 0;
  for (int k = 0; k < 20000; ++k)
    seen = account->balance;
  account->balance = seen + 1;
}

int main() {
  constexpr int kThreads = 4, kBlocks = 100;
  Account *account = stm::make<Account>();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([account] {
      for (int i = 0; i < kBlocks; ++i)
        stm::atomic([&] {
          Receipt receipt;
          deposit(account);
        });
    });
  for (auto &th : threads)
    th.join();
  std::printf("balance %ld\n", account->balance);
  return account->balance == kThreads * kBlocks ? 0 : 1;
}
