// Trace functions only for managed classes and classes that can hold
// managed references: through std::pair, std::tuple, std::array,
// std::optional and std::variant, not through other library classes (the
// collector does not look inside them) nor integral constants.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror %s %stmify_runtime -pthread -o %t/holders
// RUN: %t/holders | FileCheck --check-prefix=OUTPUT %s
#include <stmify/stm.hpp>
#include <array>
#include <cstdio>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

struct Node : stm::object {
  long value = 0;
};

struct Numbers {
  std::vector<int> values;
  std::vector<Node *> nodes; // its buffer is scanned, not traced
};
// CHECK: {{.*}}struct Numbers {{{.*}}
// CHECK-NOT: __stmify_trace
// CHECK: {{.*}}};{{.*}}

struct Flag : std::integral_constant<bool, true> {};
// CHECK: {{^}}struct Flag : std::integral_constant<bool, true> {};{{$}}

struct Wrapped {
  std::pair<int, Node *> pair;
  std::tuple<long, std::array<Node *, 2>> tuple;
  std::optional<Node *> maybe;
  std::variant<int, Node *> either;
  std::pair<int, long> plain;
};
// CHECK: {{.*}}struct Wrapped {{{.*}}
// CHECK: {{.*}}::stm::detail::trace_value(__stmify_self.pair, {{.*}} ::stm::detail::trace_value(__stmify_self.tuple, {{.*}} ::stm::detail::trace_value(__stmify_self.maybe, {{.*}} ::stm::detail::trace_value(__stmify_self.either, __stmify_visit, __stmify_context); } };{{.*}}

// Objects reachable only through std::optional and std::variant survive a
// collection.
struct Box : stm::object {
  std::optional<Node *> maybe;
  std::variant<int, Node *> either;
};

int main() {
  Box *box = stm::atomic([] {
    Box *b = stm::make<Box>();
    Node *x = stm::make<Node>();
    Node *y = stm::make<Node>();
    x->value = 40;
    y->value = 2;
    b->maybe = x;
    b->either = y;
    return b;
  });
  for (int i = 0; i < 3; ++i)
    stm::collect();
  long sum = stm::atomic([&] { return (*box->maybe)->value + std::get<Node *>(box->either)->value; });
  std::printf("%ld\n", sum);
}
// OUTPUT: 42
