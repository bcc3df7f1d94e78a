// A local whose destructor needs inevitability (its own, a member's or a
// base's) makes the block inevitable before the local is constructed: every
// attempt that aborts would run the destructor again.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <cstdio>
#include <stmify/stm.hpp>

struct Account : stm::object {
  long balance = 0;
};
struct Receipt {
  ~Receipt() { std::puts("receipt"); }
};
struct Envelope {
  Receipt inside;
};
struct Quiet {
  long n = 0;
  ~Quiet() { n = 0; }
};

void deposit(Account *a) {
  stm::atomic([&] {
    Quiet quiet;
    Receipt receipt;
    Envelope envelope;
    a->balance += 1;
  });
}
// CHECK: Quiet quiet;
// CHECK-NEXT: stm::detail::inevitable_hook("construction of 'receipt', whose destructor needs inevitability, at {{[^"]*}}:[[@LINE-6]]:13 (in deposit)"); Receipt receipt;
// CHECK-NEXT: stm::detail::inevitable_hook("construction of 'envelope', whose destructor needs inevitability, at {{[^"]*}}"); Envelope envelope;
