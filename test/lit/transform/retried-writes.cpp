// Writes an atomic block must not repeat when it runs again: each is saved at
// the block's start (when a byte copy restores it) or the block becomes
// inevitable before it.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <utility>

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

// The program's own method on an object behind a pointer writes it through
// `this` without hooks of its own.
void through_pointer(Account *a, Stats *stats) {
  stm::atomic([&] { a->balance += 1; stats->record(); });
}
// CHECK: stm::atomic([&] { stm::wr(a, "{{[^"]*}}")->balance += 1; (stm::detail::inevitable_hook("call to 'Stats::record' at {{[^"]*}}"), stats->record()); }, "{{[^"]*}}");

// A lambda defined before the block and called in it writes a captured local.
long lambda_before(Account *a) {
  long count = 0;
  auto bump = [&] { ++count; };
  stm::atomic([&] { a->balance += 1; bump(); });
  return count;
}
// CHECK: stm::atomic([&] { stm::detail::preserve(count); stm::wr(a, "{{[^"]*}}")->balance += 1; bump(); }, "{{[^"]*}}");

// Out-parameters of dependent type: unmanaged in this file's instantiations.
template <class T> void accumulate(T &total, T by) { total += by; }
// CHECK: template <class T> void accumulate(T &total, T by) { (stm::detail::inevitable_hook("write through reference 'total' at {{[^"]*}}"), total += by); }
template <class T> struct Sink {
  static void put(T *out, T by) { *out += by; }
  // CHECK: static void put(T *out, T by) { (stm::detail::inevitable_hook("write to memory outside the managed heap at {{[^"]*}}"), *stm::wr(out, "{{[^"]*}}") += by); }
};
long out_parameters(Account *a) {
  long total = 0, out = 0, generic = 0;
  auto add = [](auto &into, long by) { into += by; };
  // CHECK: auto add = [](auto &into, long by) { (stm::detail::inevitable_hook("write through reference 'into' at {{[^"]*}}"), into += by); };
  stm::atomic([&] { accumulate(total, a->balance); Sink<long>::put(&out, 1); add(generic, 1); });
  return total + out + generic;
}

// Structured bindings of objects outside the block.
long bindings(Account *a) {
  Totals totals;
  std::pair<long, long> pair{0, 0};
  stm::atomic([&] {
    auto &[hits, misses] = totals;
    hits += a->balance;
    auto &[first, second] = pair;
    first += 1;
  });
  // CHECK: stm::atomic([&] { stm::detail::preserve(totals);
  // CHECK-NEXT: auto &[hits, misses] = totals;
  // CHECK-NEXT: hits += stm::rd(a)->balance;
  // CHECK-NEXT: auto &[first, second] = pair;
  // CHECK-NEXT: (stm::detail::inevitable_hook("write to 'pair', declared outside the atomic block, at {{[^"]*}}"), first += 1);
  return totals.hits + pair.first;
}

// Members of the object whose method runs the block.
struct Worker {
  Account *account;
  long done = 0, noted = 0;
  void work() { stm::atomic([&] { account->balance += 1; ++done; }); }
  // CHECK: void work() { stm::detail::safe_point(); stm::atomic([&] { stm::detail::preserve(done); stm::wr(account, "{{[^"]*}}")->balance += 1; ++done; }, "{{[^"]*}}"); }
  void note_in_block() {
    auto note = [this] { ++noted; };
    stm::atomic([&] { account->balance += 1; note(); });
  }
  // CHECK: stm::atomic([&] { stm::wr(account, "{{[^"]*}}")->balance += 1; (stm::detail::inevitable_hook("call of a lambda that writes a member of '*this' outside the atomic block, at {{[^"]*}}"), note()); }, "{{[^"]*}}");
};

// A lambda handed to code that may run it in an atomic block.
template <class F> void in_block(F action) { stm::atomic([&] { action(); }); }
long handed_over() {
  long helped = 0;
  in_block([&] { ++helped; });
  // CHECK: in_block([&] { (stm::detail::inevitable_hook("write to 'helped', captured by a lambda that may run in an atomic block, at {{[^"]*}}"), ++helped); });
  return helped;
}

// A block that calls such a lambda but cannot name the local it writes (it
// captures only what it names, or by copy) cannot save it at its start: it
// becomes inevitable before the call instead.
long named_captures(Account *a) {
  int tries = 0;
  auto retry = [&tries] { ++tries; };
  stm::atomic([a, retry] { a->balance += 1; retry(); });
  // CHECK: stm::atomic([a, retry] { stm::wr(a, "{{[^"]*}}")->balance += 1; (stm::detail::inevitable_hook("call of a lambda that writes 'tries' outside the atomic block, at {{[^"]*}}"), retry()); }, "{{[^"]*}}");
  stm::atomic([=] { a->balance += 1; retry(); });
  // CHECK: stm::atomic([=] { stm::wr(a, "{{[^"]*}}")->balance += 1; (stm::detail::inevitable_hook("call of a lambda that writes 'tries' outside the atomic block, at {{[^"]*}}"), retry()); }, "{{[^"]*}}");
  stm::atomic([a, &tries, retry] { a->balance += tries; retry(); });
  // CHECK: stm::atomic([a, &tries, retry] { stm::detail::preserve(tries); stm::wr(a, "{{[^"]*}}")->balance += tries; retry(); }, "{{[^"]*}}");
  return tries;
}
