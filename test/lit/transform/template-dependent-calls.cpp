// Calls in a template whose arguments depend on its parameters name no
// function until the template is instantiated: what the instantiations call
// decides their barriers and hooks, as it would in code that is not a
// template. A field bound to a non-const reference parameter gets the write
// barrier; one bound to a const reference, the read barrier; a method of
// the program's that modifies an object the code does not own (the
// caller's, or one behind a pointer) makes the block inevitable first, as a
// method of a local does not.
//
// The object of such a call counts too: a method that may modify it writes
// it (a field gets the write barrier, an outer local is saved), a member
// operator or call operator of an object the code does not own makes the
// block inevitable first, and so does library code reached through an
// operator (`std::cout << n->value`); a std::atomic's operation is wrapped
// as a synchronising one.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

#include <atomic>
#include <iostream>

struct Node : stm::object {
  long value = 0;
  long other = 0;
};

void bump(long &x) { x += 1; }
void look(const long &x) { (void)x; }
template <class T> void twice(T &x) { x *= 2; }

struct Tally {
  long sum = 0;
  void add(long &x) { sum += x; }
  void add(int) {}
  long get() const { return sum; }
  Tally &operator<<(long x) {
    sum += x;
    return *this;
  }
  void operator()(long x) { sum += x; }
};

struct Holder : stm::object {
  Tally tally;
};

template <class N> void fields(N *n) {
  stm::atomic([&] {
    bump(n->value);
    look(n->other);
    twice(n->other);
  });
}
// CHECK: template <class N> void fields(N *n) { stm::detail::safe_point();
// CHECK-NEXT: stm::atomic([&] {
// CHECK-NEXT: bump(stm::wr(n, "{{[^"]*}}")->value);
// CHECK-NEXT: look(stm::detail::read_again(n)->other);
// CHECK-NEXT: twice(stm::wr(n, "{{[^"]*}}")->other);

template <class N> long methods(N *n, Tally &caller, Tally *behind) {
  long r = 0;
  stm::atomic([&] {
    caller.add(n->value);
    behind->add(n->value);
    Tally mine;
    mine.add(n->other);
    r = caller.get() + mine.get();
  });
  return r;
}
// CHECK: template <class N> long methods(N *n, Tally &caller, Tally *behind) { stm::detail::safe_point();
// CHECK: (stm::detail::inevitable_hook("call to 'caller.add' at {{[^"]*}}"), caller.add(stm::wr(n, "{{[^"]*}}")->value));
// CHECK-NEXT: (stm::detail::inevitable_hook("call to 'behind->add' at {{[^"]*}}"), behind->add(stm::wr(n, "{{[^"]*}}")->value));
// CHECK-NEXT: Tally mine;
// CHECK-NEXT: mine.add(stm::wr(n, "{{[^"]*}}")->other);
// CHECK-NEXT: r = caller.get() + mine.get();

// The object's own type a template parameter: the call is resolved only in
// the instantiation.
template <class T, class N> void generic_tally(N *n, T &caller) {
  stm::atomic([&] { caller.add(n->value); });
}
// CHECK: template <class T, class N> void generic_tally(N *n, T &caller) { stm::detail::safe_point();
// CHECK-NEXT: stm::atomic([&] { (stm::detail::inevitable_hook("call to 'caller.add' at {{[^"]*}}"), stm::loc(caller).add(stm::wr(n, "{{[^"]*}}")->value)); }, "{{[^"]*}}");

template <class H, class N, class A>
long objects(H *h, N *n, Tally &caller, A &counter) {
  long value = 0;
  Tally mine;
  stm::atomic([&] {
    h->tally.add(value);
    mine.add(n->value);
    caller << n->value;
    caller(n->value);
    counter.fetch_add(1);
    std::cout << n->value;
  });
  return mine.sum;
}
// CHECK: long objects(H *h, N *n, Tally &caller, A &counter) { stm::detail::safe_point();
// CHECK: stm::atomic([&] { stm::detail::preserve(mine);
// CHECK-NEXT: stm::loc(stm::wr(h, "{{[^"]*}}")->tally).add(value);
// CHECK-NEXT: mine.add(stm::wr(n, "{{[^"]*}}")->value);
// CHECK-NEXT: (stm::detail::inevitable_hook("call to 'operator<<' at {{[^"]*}}"), caller << stm::detail::read_again(n)->value);
// CHECK-NEXT: (stm::detail::inevitable_hook("call to 'caller' at {{[^"]*}}"), caller(stm::detail::read_again(n)->value));
// CHECK-NEXT: stm::detail::synchronizing("counter.fetch_add at {{[^"]*}}", [&]() -> decltype(auto) { return stm::loc(counter).fetch_add(1); });
// CHECK-NEXT: (stm::detail::inevitable_hook("call to 'operator<<' at {{[^"]*}}"), std::cout << stm::detail::read_again(n)->value);

// A field called is the object of the call: the block becomes inevitable
// before it runs (the local holding it cannot be saved by its member); a
// temporary called is the call's own.
struct Fn {
  long sum = 0;
  void operator()(long x) { sum += x; }
};
struct WithFn {
  Fn f;
};

template <class N> long called_fields(N *n) {
  WithFn w;
  stm::atomic([&] {
    w.f(n->value);
    Fn{}(n->value);
  });
  return w.f.sum;
}
// CHECK: template <class N> long called_fields(N *n) { stm::detail::safe_point();
// CHECK: (stm::detail::inevitable_hook("call to 'w.f' at {{[^"]*}}"), w.f(stm::rd(n)->value));
// CHECK-NEXT: Fn{}(stm::detail::read_again(n)->value);

void use(Node *n, Tally &t, Holder *h, std::atomic<long> &counter) {
  called_fields(n);
  fields(n);
  methods(n, t, &t);
  generic_tally(n, t);
  objects(h, n, t, counter);
}
