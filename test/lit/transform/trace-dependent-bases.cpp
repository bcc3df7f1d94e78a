// A base that is a member of a dependent type is named with `typename` in the
// trace function (g++ requires it; clang warns in C++17).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include > %t/out.cpp
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -fsyntax-only %t/out.cpp
#include <stmify/stm.hpp>
#include <type_traits>

struct Node : stm::object {
  long value = 0;
};

template <class T> struct Slot {
  T *item = nullptr;
};
template <class T> struct Derived : std::conditional<true, Slot<T>, Slot<int>>::type {
  Node *extra = nullptr;
};
// CHECK: {{.*}}::stm::detail::trace_value(static_cast<const typename std::conditional<true, Slot<T>, Slot<int>>::type &>(__stmify_self), __stmify_visit, __stmify_context); ::stm::detail::trace_value(__stmify_self.extra, __stmify_visit, __stmify_context);{{.*}}

struct Owner : stm::object {
  Derived<Node> derived;
};
long extra_value(Owner *o) { return o->derived.extra->value; }
