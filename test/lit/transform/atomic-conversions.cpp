// An atomic read by its implicit conversion (`while (!ready)`, `T v = a;`):
// the synchronising wrapper returns what the conversion returns, not (by
// decltype(auto)) a copy of the atomic, which has none.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <atomic>

namespace app {
struct Node : stm::object {
  long value = 0;
};
} // namespace app

std::atomic<bool> ready{false};
std::atomic<long> seen{-1};
std::atomic<app::Node *> published{nullptr};

long consume() {
  while (!ready)
    ;
  app::Node *p = published;
  long v = seen;
  return v + (p ? 1 : 0) + (ready.load() ? 1 : 0);
}
// CHECK: while (!stm::detail::synchronizing("std::atomic::operator bool at {{.*}}:20:11", [&]() -> bool { return ready; }))
// CHECK: app::Node *p = stm::detail::synchronizing("std::atomic::operator app::Node * at {{.*}}:22:18", [&]() -> ::app::Node * { return published; });
// CHECK-NEXT: long v = stm::detail::synchronizing("std::__atomic_base::operator long at {{.*}}:23:12", [&]() -> long { return seen; });
// CHECK-NEXT: return v + (p ? 1 : 0) + (stm::detail::synchronizing("std::atomic::load at {{.*}}:24:29", [&]() -> decltype(auto) { return ready.load(); }) ? 1 : 0);
