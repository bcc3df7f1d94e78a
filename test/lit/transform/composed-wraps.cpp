// Two instrumentations of one range compose: an inevitability hook that an
// instantiation needs goes around the barrier the template's text needs,
// and a macro argument both read and written gets the write barrier. These
// were reported as conflicting-rewrite (std::use_facet in a template, a call
// on the result of a dependent call); they must compile and run.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror %s %stmify_runtime -pthread -o %t/composed
// RUN: %t/composed | FileCheck --check-prefix=OUTPUT %s
#include <stmify/stm.hpp>
#include <cstdio>
#include <locale>
#include <vector>

struct Counter : stm::object {
  long value = 0;
};

#define INCREMENT(x) ((x) = (x) + 1)

template <typename C> C decimal_point(const std::locale &l) {
  return std::use_facet<std::numpunct<C>>(l).decimal_point();
}
template char decimal_point<char>(const std::locale &);
// CHECK: return (stm::detail::inevitable_hook("call to 'std::use_facet<std::numpunct<C>>' at {{[^"]*}}"), stm::loc(std::use_facet<std::numpunct<C>>(l))).decimal_point();

template <typename T> std::vector<T> &values() {
  static std::vector<T> v{1, 2, 3};
  return v;
}
template <typename T> void clear_all() { values<T>().clear(); }
// CHECK: template <typename T> void clear_all() { stm::detail::safe_point(); (stm::detail::inevitable_hook("call to 'values<T>().clear' at {{[^"]*}}"), stm::loc(values<T>()).clear()); }

int main() {
  Counter *c = stm::make<Counter>();
  stm::atomic([&] { INCREMENT(c->value); });
  // CHECK: stm::atomic([&] { INCREMENT(stm::wr(c, "{{[^"]*}}composed-wraps.cpp:[[#@LINE-1]]:21 (in main)")->value); }, "{{[^"]*}}");
  clear_all<int>();
  std::printf("%c %zu %ld\n", decimal_point<char>(std::locale::classic()), values<int>().size(),
              c->value);
}
// OUTPUT: . 0 1
