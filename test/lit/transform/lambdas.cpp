// Lambdas: their bodies are instrumented like functions.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Counter : stm::object {
  long count = 0;
};

long with_lambda(Counter *c) {
  auto bump = [c](long by) { c->count += by; };
  // CHECK: auto bump = [c](long by) { stm::wr(c, "{{[^"]*}}")->count += by; };
  auto get = [&] { return c->count; };
  // CHECK: auto get = [&] { return stm::rd(c)->count; };
  long initial = [v = c->count] { return v; }();
  // CHECK: long initial = [v = stm::rd(c)->count] { return v; }();
  bump(2);
  return get() + initial;
}

// An init-capture runs where the block is made, before its transaction
// begins: what it writes is not the block's to save, and the locals of a
// statement expression in it are not in scope in the body.
long init_captures(Counter *c) {
  long total = 0, made = 0;
  stm::atomic([c, step = ({ int k = 2; k *= 3; k; }), &total] {
    c->count += step;
    total = c->count;
  });
  // CHECK: stm::atomic([c, step = ({ int k = 2; k *= 3; k; }), &total] { stm::detail::preserve(total);
  // CHECK-NEXT: stm::wr(c, "{{[^"]*}}")->count += step;
  stm::atomic([c, first = (made = c->count)] { c->count += first; });
  // CHECK: stm::atomic([c, first = (made = stm::rd(c)->count)] { stm::wr(c, "{{[^"]*}}")->count += first; }, "{{[^"]*}}");
  return total + made;
}
