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
// CHECK: while (stm::detail::safe_point(), !stm::detail::synchronizing("std::atomic::operator bool at {{.*}}:20:11 (in consume)", [&]() -> decltype(auto) { return stm::detail::converted_value(ready); }))
// CHECK: app::Node *p = stm::detail::synchronizing("std::atomic::operator app::Node * at {{.*}}:22:18 (in consume)", [&]() -> decltype(auto) { return stm::detail::converted_value(published); });
// CHECK-NEXT: long v = stm::detail::synchronizing("std::__atomic_base::operator long at {{.*}}:23:12 (in consume)", [&]() -> decltype(auto) { return stm::detail::converted_value(seen); });
// CHECK-NEXT: return v + (p ? 1 : 0) + (stm::detail::synchronizing("std::atomic::load at {{.*}}:24:29 (in consume)", [&]() -> decltype(auto) { return ready.load(); }) ? 1 : 0);

// Types the instrumented text could not name at the read: one in an unnamed
// namespace, a private member type, and an explicit call of the conversion.
namespace {
enum class Phase { Starting, Running };
std::atomic<Phase> phase{Phase::Starting};
} // namespace

class Stack {
  struct Cell {
    Cell *next;
  };
  std::atomic<Cell *> top_{nullptr};

public:
  std::atomic<Cell *> &top() { return top_; }
};

bool running(Stack &stack) {
  return phase == Phase::Running && !stack.top() && ready.operator bool();
}
// CHECK: return stm::detail::synchronizing("std::atomic::operator (anonymous namespace)::Phase at {{.*}}:49:10 (in running)", [&]() -> decltype(auto) { return stm::detail::converted_value(phase); }) == Phase::Running && !(stm::detail::inevitable_hook("call to 'Stack::top' at {{.*}}:49:38 (in running)"), stm::detail::synchronizing("std::atomic::operator Stack::Cell * at {{.*}}:49:38 (in running)", [&]() -> decltype(auto) { return stm::detail::converted_value(stack.top()); })) && stm::detail::synchronizing("std::atomic::operator bool at {{.*}}:49:53 (in running)", [&]() -> decltype(auto) { return ready.operator bool(); });
