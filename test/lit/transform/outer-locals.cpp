// Locals outside an atomic block that the block writes: saved at its start
// when a byte copy restores them (the variable or the plain member written),
// otherwise the block becomes inevitable before the write.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

struct Node : stm::object {
  long value = 0;
};

struct Summary {
  std::string label;
  long total = 0;
  long values[2] = {};
};

long outer(Node *n, int i) {
  Summary s;
  long plain = 0;
  std::vector<long> seen(4);
  stm::atomic([&] {
    s.total += n->value;
    plain = s.total;
    s.values[i] = n->value;
    seen[i] = plain;
  });
  return plain + seen[0];
}
// CHECK: stm::atomic([&] { stm::detail::preserve(s.total); stm::detail::preserve(plain);
// CHECK-NEXT: s.total += stm::rd(n)->value;
// CHECK-NEXT: plain = s.total;
// CHECK-NEXT: (stm::detail::inevitable_hook("write to 's', declared outside the atomic block, at {{[^"]*}}"), s.values[i] = stm::detail::read_again(n)->value);
// CHECK-NEXT: (stm::detail::inevitable_hook("write to 'seen', declared outside the atomic block, at {{[^"]*}}"), seen[i] = plain);

// A nested block is part of the outermost block's transaction: it saves the
// locals from outside that block, but not those of the outer block's body,
// which the outer block makes again when it runs again (and whose frame an
// abort leaves). A vector of the outer block needs no inevitability either.
long nested(Node *n) {
  long before = 0;
  stm::atomic([&] {
    long inside = n->value;
    std::vector<long> kept;
    stm::atomic([&] {
      inside += 1;
      before += 1;
      kept.push_back(inside);
    });
    n->value = inside + static_cast<long>(kept.size());
  });
  return before;
}
// CHECK: stm::atomic([&] {
// CHECK-NEXT: long inside = stm::rd(n)->value;
// CHECK-NEXT: std::vector<long> kept;
// CHECK-NEXT: stm::atomic([&] { stm::detail::preserve(before);
// CHECK-NEXT: inside += 1;
// CHECK-NEXT: before += 1;
// CHECK-NEXT: kept.push_back(inside);

// Locals that a block changes only once it cannot roll back are not saved:
// a std::atomic or std::atomic_flag (its operations make the block
// inevitable first), which other threads may update while the block runs, so
// that a restore would undo their updates; and locals written only by the
// block's commit and abort handlers, which run after it has ended. A local
// the block itself writes, also through a method, is still saved.
struct Counter {
  long n = 0;
  void bump() { ++n; }
};

long shared(Node *n, std::atomic<long> &total) {
  std::atomic<long> entered{0};
  std::atomic_flag once = ATOMIC_FLAG_INIT;
  long commits = 0, aborts = 0, written = 0;
  Counter counter;
  stm::atomic([&] {
    n->value += 1;
    written += 1;
    counter.bump();
    entered.fetch_add(1);
    entered++;
    (void)once.test_and_set();
    stm::on_commit([&] {
      ++commits;
      total.fetch_add(1);
      entered = 0;
    });
    stm::on_abort([&] { aborts += 1; });
  });
  return commits + aborts + written + counter.n + entered.load();
}
// CHECK: stm::atomic([&] { stm::detail::preserve(written); stm::detail::preserve(counter);
// CHECK-NEXT: stm::wr(n, "{{[^"]*}}")->value += 1;
// CHECK-NEXT: written += 1;
// CHECK-NEXT: counter.bump();
// CHECK-NEXT: stm::detail::synchronizing("std::__atomic_base::fetch_add at {{[^"]*}}", [&]() -> decltype(auto) { return entered.fetch_add(1); });
// CHECK-NEXT: stm::detail::synchronizing("std::__atomic_base::operator++ at {{[^"]*}}", [&]() -> decltype(auto) { return entered++; });
// CHECK-NEXT: (void)stm::detail::synchronizing("std::atomic_flag::test_and_set at {{[^"]*}}", [&]() -> decltype(auto) { return once.test_and_set(); });
// CHECK-NEXT: stm::on_commit([&] { stm::detail::safe_point();
// CHECK-NEXT: ++commits;
// CHECK-NEXT: stm::detail::synchronizing("std::__atomic_base::fetch_add at {{[^"]*}}", [&]() -> decltype(auto) { return total.fetch_add(1); });
// CHECK-NEXT: stm::detail::synchronizing("std::__atomic_base::operator= at {{[^"]*}}", [&]() -> decltype(auto) { return entered = 0; });
// CHECK-NEXT: });
// CHECK-NEXT: stm::on_abort([&] { aborts += 1; });

// A value whose class forbids copies (a std::mutex, or a struct holding a
// std::atomic) is not a byte copy's to restore: only the plain member the
// block writes is saved, and a call on the mutex makes the block
// inevitable. A block inside a commit handler is a transaction of its own,
// which saves the handler's locals it writes.
struct Stats {
  std::atomic<long> hits{0};
  long mine = 0;
};

long guarded(Node *n) {
  std::mutex m;
  Stats s;
  long seen = 0;
  stm::atomic([&] {
    s.mine += n->value;
    if (n->value > 10) {
      m.lock();
      s.hits.fetch_add(1);
      m.unlock();
    }
    stm::on_commit([&] {
      long y = 0;
      stm::atomic([&] { y += n->value; });
      seen = y;
    });
  });
  return s.mine + seen;
}
// CHECK: stm::atomic([&] { stm::detail::preserve(s.mine);
// CHECK-NEXT: s.mine += stm::rd(n)->value;
// CHECK: (stm::detail::inevitable_hook("call to 'std::mutex::lock' at {{[^"]*}}"), m.lock());
// CHECK-NEXT: stm::detail::synchronizing("std::__atomic_base::fetch_add at {{[^"]*}}", [&]() -> decltype(auto) { return s.hits.fetch_add(1); });
// CHECK-NEXT: (stm::detail::inevitable_hook("call to 'std::mutex::unlock' at {{[^"]*}}"), m.unlock());
// CHECK: long y = 0;
// CHECK-NEXT: stm::atomic([&] { stm::detail::preserve(y); y += stm::rd(n)->value; }, "{{[^"]*}}");
