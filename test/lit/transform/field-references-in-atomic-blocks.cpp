// References to fields bound in an atomic block's own body: the barrier of
// their use at the binding, and no inevitability for writes through them.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Account {
  long balance = 0;
  mutable long reads = 0;
};

struct Bank : stm::object {
  Account accounts[4];
  long fees = 0;
};

void add(long &to, long amount);

void deposit_all(Bank *bank, long amount) {
  stm::atomic([&] {
    for (Account &a : bank->accounts)
      a.balance += amount;
    long &fees = bank->fees;
    fees += 1;
    const Account &first = bank->accounts[0];
    add(bank->accounts[1].balance, first.balance);
  });
}
// CHECK: for (Account &a : stm::wr(bank, "{{.*}}field-references-in-atomic-blocks.cpp:21:23 (in deposit_all)")->accounts)
// CHECK-NEXT: { stm::detail::safe_point_in_block(); a.balance += amount; }
// CHECK-NEXT: long &fees = stm::detail::write_again(bank)->fees;
// CHECK-NEXT: fees += 1;
// CHECK-NEXT: const Account &first = stm::detail::read_again(bank)->accounts[0];
// CHECK-NEXT: add(stm::wr(bank, "{{.*}}:26:9 (in deposit_all)")->accounts[1].balance, first.balance);
// CHECK-NOT: inevitable_hook

// A mutable member written through a const reference: a write of the object.
void count_read(Bank *bank) {
  stm::atomic([&] {
    const Account &first = bank->accounts[0];
    ++first.reads;
  });
}
// CHECK: const Account &first = stm::wr(bank, "{{.*}}:40:28 (in count_read)")->accounts[0];
// CHECK-NEXT: ++first.reads;
