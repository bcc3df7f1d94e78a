// Atomic blocks: the site id, outer locals saved for a retry, return values,
// nesting, mutable captures.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Counter : stm::object {
  long n = 0;
  void bump() { ++n; }
};

struct Tally {
  long seen = 0;
  void add() { ++seen; }
};

long run(Counter *c) {
  long total = 0;
  Tally tally;
  stm::atomic([&] {
    total += c->n;
    tally.add();
  });
  // CHECK: stm::atomic([&] { stm::detail::preserve(total); stm::detail::preserve(tally);
  // CHECK-NEXT: total += stm::rd(c)->n;
  // CHECK-NEXT: tally.add();
  // CHECK-NEXT: }, "{{[^"]*}}/atomic-blocks.cpp:[[@LINE-7]]:3 (in run)");
  long got = stm::atomic([&] { return c->n; }, "named");
  // CHECK: long got = stm::atomic([&] { return stm::rd(c)->n; }, "named");
  stm::atomic([&] { stm::atomic([&] { c->bump(); }); });
  // CHECK: stm::atomic([&] { stm::atomic([&] { stm::loc(c)->bump(); }, "{{[^"]*}}/atomic-blocks.cpp:[[@LINE-1]]:21 (in run)"); }, "{{[^"]*}}/atomic-blocks.cpp:[[@LINE-1]]:3 (in run)");
  stm::atomic_cancel([c]() mutable { c = nullptr; });
  // CHECK: stm::atomic_cancel([c]() mutable { stm::detail::preserve(c); c = nullptr; }, "{{[^"]*}}");
  return total + got;
}

// A queued task gets the site of its add call, after the task's own
// arguments; the task keeps it apart from them.
void queue(Counter *c) {
  stm::transaction_queue tq;
  tq.add([c] { c->bump(); });
  // CHECK: tq.add([c] { stm::detail::safe_point(); stm::loc(c)->bump(); }, stm::detail::task_site{"{{[^"]*}}/atomic-blocks.cpp:[[@LINE-1]]:3 (in queue)"});
  tq.add([](Counter *d, long k) { d->n += k; }, c, 2L);
  // CHECK: tq.add([](Counter *d, long k) { stm::wr(d, "{{[^"]*}}")->n += k; }, c, 2L, stm::detail::task_site{"{{[^"]*}}/atomic-blocks.cpp:[[@LINE-1]]:3 (in queue)"});
  tq.run();
}
