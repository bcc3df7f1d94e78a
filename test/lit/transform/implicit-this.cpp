// Accesses through implicit and explicit `this`.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Shape : stm::object {
  long area = 0;
  long size() const { return area; }
  // CHECK: long size() const { return stm::rd(this)->area; }
  void grow() { area *= 2; this->area += 1; }
  // CHECK: void grow() { stm::wr(this, "{{[^"]*}}")->area *= 2; stm::detail::write_again(this)->area += 1; }
  Shape &self() { return *this; }
  // CHECK: Shape &self() { return *stm::canon(this); }
  long in_lambda() { return [this] { return area; }(); }
  // CHECK: long in_lambda() { stm::detail::safe_point(); return [this] { return stm::rd(this)->area; }(); }
};
