// bank: 1024 accounts; an operation moves 1 to 50 from one account to
// another when the first has enough. Check: the total is unchanged.
#include "harness.h"

struct Account : stm::object {
  long balance = 0;
};

struct Bank {
  static constexpr unsigned Accounts = 1024;
  static constexpr long Initial = 1000;
  std::vector<Account *> accounts;

  explicit Bank(const bench::Options &) {
    for (unsigned I = 0; I < Accounts; ++I) {
      Account *A = stm::make<Account>();
      A->balance = Initial;
      accounts.push_back(A);
    }
  }

  void operation(bench::Random &R, unsigned) {
    Account *From = accounts[R.below(Accounts)];
    Account *To = accounts[R.below(Accounts)];
    long Amount = 1 + R.below(50);
    stm::atomic([&] {
      if (From->balance >= Amount) {
        From->balance -= Amount;
        To->balance += Amount;
      }
    });
  }

  bool check(const bench::Options &) const {
    long Total = 0;
    for (Account *A : accounts) {
      if (A->balance < 0)
        return false;
      Total += A->balance;
    }
    return Total == Initial * Accounts;
  }
};

BENCH_MAIN("bank", Bank)
