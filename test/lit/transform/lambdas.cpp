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
