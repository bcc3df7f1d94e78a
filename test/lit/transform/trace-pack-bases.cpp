// A class whose bases are a pack expansion is traced with a fold over the
// pack (the bases named without it do not compile).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include > %t/out.cpp
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -fsyntax-only %t/out.cpp
#include <stmify/stm.hpp>
#include <cstddef>
#include <utility>

struct Node : stm::object {
  long value = 0;
};

template <std::size_t I, class T> struct Element {
  T *item = nullptr;
};
template <class Indices, class... T> struct Row;
template <std::size_t... I, class... T>
struct Row<std::index_sequence<I...>, T...> : Element<I, T>... {};
// CHECK: struct Row<std::index_sequence<I...>, T...> : Element<I, T>... { {{.*}} (::stm::detail::trace_value(static_cast<const Element<I, T> &>(__stmify_self), __stmify_visit, __stmify_context), ...); } };

struct Table : stm::object {
  Row<std::index_sequence<0, 1>, Node, Node> row;
};

long first(Table *t) { return t->row.Element<0, Node>::item->value; }
