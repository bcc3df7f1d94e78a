// Writes through stm::array<T>::set name their site, as writes through
// stm::wr do, also in a template whose element type is a parameter; a site
// the program passes is kept, and a call through a type that is a template
// parameter itself (which may not be an stm::array) is left as written.
// With read sites, get(i) names its site too.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %blank_directives %s %t/blank
// RUN: %stmify --read-sites --stdout %t/blank/array-sites.cpp -- -std=c++17 -I%stmify_include | FileCheck --check-prefix=READ --match-full-lines %s
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-read-sites -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
#include <stmify/stm.hpp>

void bump(stm::array<long> *cells, std::size_t i) {
  stm::atomic([&] { cells->set(i, cells->get(i) + 1); });
  cells->set(0, 1, "named write");
}
// CHECK: stm::atomic([&] { stm::loc(cells)->set(i, stm::loc(cells)->get(i) + 1, "{{[^"]*}}/array-sites.cpp:[[@LINE-3]]:21 (in bump)"); }, "{{[^"]*}}/array-sites.cpp:[[@LINE-3]]:3 (in bump)");
// CHECK-NEXT: stm::loc(cells)->set(0, 1, "named write");
// READ: stm::atomic([&] { stm::loc(cells)->set(i, stm::loc(cells)->get(i, "{{[^"]*}}/array-sites.cpp:[[@LINE-5]]:35 (in bump)") + 1, "{{[^"]*}}/array-sites.cpp:[[@LINE-5]]:21 (in bump)"); }, "{{[^"]*}}/array-sites.cpp:[[@LINE-5]]:3 (in bump)");

template <class T> struct Stack : stm::object {
  stm::array<T> *items = nullptr;
  void push(std::size_t n, T v) { items->set(n, v); }
};
// CHECK: void push(std::size_t n, T v) { stm::detail::safe_point(); stm::loc(stm::rd(this)->items)->set(n, v, "{{[^"]*}}/array-sites.cpp:[[@LINE-2]]:35 (in Stack::push)"); }

template <class Array> void clear(Array *cells) { cells->set(0, 0); }
// CHECK: template <class Array> void clear(Array *cells) { stm::detail::safe_point(); stm::loc(cells)->set(0, 0); }

void use(stm::array<long> *cells, Stack<long> *s) {
  clear(cells);
  s->push(0, 1);
}
