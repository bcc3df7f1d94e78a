// The whole public API compiles without a single warning under -pedantic.
// RUN: %gxx -std=c++17 -fsyntax-only -Wall -Wextra -pedantic -Werror -I%stmify_include %s
// RUN: %clangxx -std=c++17 -fsyntax-only -Wall -Wextra -pedantic -Werror -I%stmify_include %s
// RUN: %gxx -std=c++20 -fsyntax-only -Wall -Wextra -pedantic -Werror -I%stmify_include %s
// RUN: %clangxx -std=c++20 -fsyntax-only -Wall -Wextra -pedantic -Werror -I%stmify_include %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  int value = 0;
  Node *next = nullptr;
};

STM_TX_SAFE long fee(long amount) { return amount / 100; }

long use() {
  Node *n = stm::make<Node>();
  long r = stm::atomic([&] {
    n->value += 1;
    stm::become_inevitable("example");
    return n->value + fee(1000);
  });
  stm::transaction_queue tq;
  tq.add([n](int k) { n->value += k; }, 3);
  tq.run();
  stm::hint_commit_soon();
  return r + static_cast<long>(stm::count()) + stm::segment_limit() +
         static_cast<long>(stm::time() - stm::clock()) + stm::is_atomic() +
         stm::is_inevitable() + stm::exclusive_atomic([] { return 1; });
}
