// Transfers between accounts, run as queued tasks. Transfers are unconditional,
// so the final balances do not depend on the order the tasks ran in.
#include <stmify/stm.hpp>

#include <cstdio>
#include <vector>

struct Account : stm::object {
  long balance = 0;
  long moves = 0;
};

void transfer(Account *from, Account *to, long amount) {
  stm::atomic([&] {
    from->balance -= amount;
    to->balance += amount;
    ++from->moves;
    ++to->moves;
  });
}

int main() {
  std::vector<Account *> accounts;
  for (int i = 0; i < 64; ++i) {
    Account *a = stm::make<Account>();
    a->balance = 1000 + i;
    accounts.push_back(a);
  }
  stm::transaction_queue tq;
  for (int t = 0; t < 2000; ++t)
    tq.add([&accounts, t] {
      unsigned seed = static_cast<unsigned>(t) * 2654435761u + 1;
      for (int k = 0; k < 20; ++k) {
        seed = seed * 1103515245u + 12345u;
        Account *from = accounts[seed % 64];
        seed = seed * 1103515245u + 12345u;
        Account *to = accounts[seed % 64];
        if (from != to)
          transfer(from, to, static_cast<long>(seed % 37) + 1);
      }
    });
  tq.run();
  long total = 0, moves = 0;
  for (Account *a : accounts) {
    total += a->balance;
    moves += a->moves;
    std::printf("%ld ", a->balance);
  }
  std::printf("\ntotal %ld moves %ld\n", total, moves);
  return total == 64 * 1000 + 63 * 64 / 2 ? 0 : 1;
}
