// With the option, a remark at each place that can make an atomic block
// inevitable, naming the cause, from the plugin and from the tool; without
// it, nothing.
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-remark-inevitable -std=c++17 -I%stmify_include -fsyntax-only %s 2>&1 | FileCheck %s
// RUN: %stmify --check --remark-inevitable %s -- -std=c++17 -I%stmify_include 2>&1 | FileCheck %s
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only %s 2>&1 | count 0
// RUN: %stmify --check %s -- -std=c++17 -I%stmify_include 2>&1 | count 0
//
// CHECK: inevitable.cpp:29:15: remark: call to 'puts' makes an atomic block that reaches it inevitable: the block stops being optimistic there, waits until no other block is inevitable, and runs alone to its end [stmify:inevitable]
// CHECK: note: fix: move the action out of the atomic block (after it), or declare a function that touches only the transaction's own data STM_TX_SAFE
// CHECK: inevitable.cpp:41:5: remark: call to 'printf' makes an atomic block
// CHECK: inevitable.cpp:42:5: remark: write to 'g_total' makes an atomic block
// CHECK: inevitable.cpp:47:15: remark: thread start makes an atomic block
// CHECK: inevitable.cpp:48:3: remark: call to 'std::thread::join' makes an atomic block
// CHECK: inevitable.cpp:52:3: remark: synchronising call to '{{.*}}store' makes an atomic block
// CHECK: inevitable.cpp:56:10: remark: construction of 'l', whose destructor needs inevitability, makes an atomic block
// CHECK-NOT: remark:
#include <stmify/stm.hpp>

#include <atomic>
#include <cstdio>
#include <thread>

struct Account : stm::object {
  long balance = 0;
};

struct Logged {
  ~Logged() { std::puts("done"); }
};

long g_total;
std::atomic<int> g_ready;

void work() {}

void transfer(Account *from, Account *to, long amount) {
  stm::atomic([&] {
    from->balance -= amount;
    to->balance += amount;
    std::printf("%ld\n", amount);
    g_total += amount;
  });
}

void start() {
  std::thread t(work);
  t.join();
}

void publish() {
  g_ready.store(1, std::memory_order_release);
}

void scoped() {
  Logged l;
}

// Reads of the block's own data and of managed objects need nothing.
long total(Account *a, Account *b) {
  long sum = 0;
  stm::atomic([&] { sum = a->balance + b->balance; });
  return sum;
}
