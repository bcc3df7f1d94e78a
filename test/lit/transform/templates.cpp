// Templates: bodies that touch objects through dependent types get the
// generic barriers (the identity for unmanaged instantiations); calls that
// reach library code in some instantiation get their hook.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <cstdio>
#include <vector>

template <class T> struct Box : stm::object {
  T value{};
  Box *next = nullptr;
  T get() const { return value; }
  // CHECK: T get() const { return stm::rd(this)->value; }
};
// CHECK: public: using __stmify_traced_type = Box; STMIFY_DETAIL_NO_THREAD_SAFETY_ANALYSIS static void __stmify_trace({{.*}}::stm::detail::trace_value(__stmify_self.value, {{.*}}::stm::detail::trace_value(__stmify_self.next, __stmify_visit, __stmify_context); } };

template <class P> long first(P p) { return p->value + p->next->value; }
// CHECK: template <class P> long first(P p) { stm::detail::safe_point(); return stm::rd(p)->value + stm::rd(stm::rd(p)->next)->value; }

template <class P> void store(P p, long v) { p->value = v; }
// CHECK: template <class P> void store(P p, long v) { stm::detail::safe_point(); stm::wr(p, "{{[^"]*}}/templates.cpp:[[@LINE-1]]:46 (in store)")->value = v; }

template <class F> void twice(F f) { f(); f(); }
// CHECK: template <class F> void twice(F f) { stm::detail::safe_point(); f(); f(); }

template <class C> void append(C &c, long v) { c.push_back(v); }
// CHECK: template <class C> void append(C &c, long v) { stm::detail::safe_point(); (stm::detail::inevitable_hook("call to 'c.push_back' at {{[^"]*}}"), stm::loc(c).push_back(v)); }

struct Plain { long value = 0; Plain *next = nullptr; };

int main() {
  Box<long> *b = stm::make<Box<long>>();
  Plain plain;
  plain.next = &plain;
  store(b, first(b));
  store(&plain, first(&plain));
  twice([] { std::puts("hi"); });
  // CHECK: twice([] { stm::detail::safe_point(); (stm::detail::inevitable_hook("call to 'puts' at {{[^"]*}}"), std::puts("hi")); });
  std::vector<long> values;
  append(values, 1);
}
