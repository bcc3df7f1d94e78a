// Blocks handed to stm::atomic by name, and writes through reference
// members. A lambda kept in a local and named only as blocks is their body:
// the locals from outside it that it writes are saved at its start, as in a
// lambda written in the call. Named anywhere else too, or kept in a
// std::function, it may run in a block that this file cannot see: it becomes
// inevitable before writing them. A member declared as a reference names
// memory outside its object: writing through it makes the block inevitable,
// in the method that writes it and on an object of the block's.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <functional>
#include <vector>

struct Node : stm::object {
  long value = 0;
};

long stored(Node *n) {
  long seen = 0;
  auto step = [&] {
    seen += n->value;
  };
  stm::atomic(step);
  stm::atomic(step);
  return seen;
}
// CHECK: auto step = [&] { stm::detail::preserve(seen);
// CHECK-NEXT: seen += stm::rd(n)->value;

long alsoCalled(Node *n) {
  long seen = 0;
  auto step = [&] {
    seen += n->value;
  };
  step();
  stm::atomic(step);
  return seen;
}
// CHECK: auto step = [&] {
// CHECK-NEXT: (stm::detail::inevitable_hook("write to 'seen', captured by a lambda that may run in an atomic block, at {{[^"]*}}"), seen += stm::rd(n)->value);

long wrapped(Node *n) {
  long seen = 0;
  std::function<void()> step = [&] {
    seen += n->value;
  };
  stm::atomic(step);
  return seen;
}
// CHECK: std::function<void()> step = [&] { stm::detail::attach_if_unattached();
// CHECK-NEXT: (stm::detail::inevitable_hook("write to 'seen', captured by a lambda that may run in an atomic block, at {{[^"]*}}"), seen += stm::rd(n)->value);

struct Tally {
  Node *node;
  long &done;
  std::vector<long> &log;
  void operator()() {
    done += node->value;
    log.push_back(done);
  }
};

long functor(Node *n) {
  long done = 0;
  std::vector<long> log;
  Tally tally{n, done, log};
  stm::atomic(tally);
  stm::atomic([&] {
    tally.done = 0;
    tally.log.clear();
  });
  return done;
}
// CHECK: void operator()() { stm::detail::safe_point();
// CHECK-NEXT: (stm::detail::inevitable_hook("write through reference member 'done' at {{[^"]*}}"), done += stm::rd(node)->value);
// CHECK-NEXT: (stm::detail::inevitable_hook("call to 'std::vector::push_back' at {{[^"]*}}"), log.push_back(done));
// CHECK: stm::atomic([&] {
// CHECK-NEXT: (stm::detail::inevitable_hook("write through reference member 'done' at {{[^"]*}}"), tally.done = 0);
// CHECK-NEXT: (stm::detail::inevitable_hook("call to 'std::vector::clear' at {{[^"]*}}"), tally.log.clear());

// Handed on through std::move or std::ref, a block is still named only as a
// block.
long handedOn(Node *n) {
  long seen = 0, other = 0;
  auto step = [&] {
    seen += n->value;
  };
  auto next = [&] {
    other += n->value;
  };
  stm::atomic(std::ref(step));
  stm::atomic(std::move(next));
  return seen + other;
}
// CHECK: auto step = [&] { stm::detail::preserve(seen);
// CHECK-NEXT: seen += stm::rd(n)->value;
// CHECK: auto next = [&] { stm::detail::preserve(other);
// CHECK-NEXT: other += stm::rd(n)->value;
