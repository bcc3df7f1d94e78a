// A loop in an atomic block's or a task's own body takes the safe point that
// keeps the segment view (the optimiser may keep the segment base, mask and
// read version in registers around it); a loop in anything that may run
// outside an atomic transaction keeps the ordinary one: a function the block
// calls, a lambda inside the block, a lambda that is also called directly, a
// commit handler (it runs after the block ends), a block that begins or
// ends a transaction through the C interface. A noexcept body keeps the safe
// point that never throws.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include > %t.gxx.cpp
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -c %t.gxx.cpp -o %t.gxx.o
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -DSTMIFY_SANITIZE -I%stmify_include -c %t.gxx.cpp -o %t.gxx.o
#include <stmify/stm.hpp>

#include <algorithm>
#include <vector>

struct Node : stm::object {
  long key = 0;
  Node *next = nullptr;
};

long walk(Node *n, long k) {
  long steps = 0;
  while (n && n->key < k) { n = n->next; ++steps; }
  return steps;
}
// CHECK: while (stm::detail::safe_point(), n && stm::rd(n)->key < k) { n = stm::rd(n)->next; ++steps; }

long in_block(Node *head, long k) {
  long found = 0;
  stm::atomic([&] {
    Node *n = head;
    while (n && n->key < k) n = n->next;
    for (Node *m = head; m; m = m->next) found += m->key;
    do { found += 1; } while (found < k);
    found += walk(head, k);
  });
  return found;
}
// CHECK: while (stm::detail::safe_point_in_block(), n && stm::rd(n)->key < k) n = stm::rd(n)->next;
// CHECK-NEXT: for (Node *m = head; stm::detail::safe_point_in_block(), m; m = stm::rd(m)->next) found += stm::rd(m)->key;
// CHECK-NEXT: do { stm::detail::safe_point_in_block(); found += 1; } while (found < k);
// CHECK-NEXT: found += walk(head, k);

long lambda_inside_block(Node *head, std::vector<long> &keys) {
  long sum = 0;
  stm::atomic([&] {
    std::for_each(keys.begin(), keys.end(), [&](long k) {
      for (Node *n = head; n; n = n->next) if (n->key == k) sum += 1;
    });
  });
  return sum;
}
// CHECK: for (Node *n = head; stm::detail::safe_point(), n; n = stm::rd(n)->next) if (stm::rd(n)->key == k) sum += 1;

long named_block(Node *head) {
  long sum = 0;
  auto only_a_block = [&] { for (Node *n = head; n; n = n->next) sum += n->key; };
  stm::atomic(only_a_block);
  auto also_called = [&] { for (Node *n = head; n; n = n->next) sum -= n->key; };
  stm::atomic(also_called);
  also_called();
  return sum;
}
// CHECK: auto only_a_block = [&] { stm::detail::preserve(sum); for (Node *n = head; stm::detail::safe_point_in_block(), n; n = stm::rd(n)->next) sum += stm::rd(n)->key; };
// CHECK: auto also_called = [&] { stm::detail::safe_point(); for (Node *n = head; stm::detail::safe_point(), n; n = stm::rd(n)->next) {{.*}}sum -= stm::rd(n)->key); };

void handler_and_noexcept(Node *head) {
  stm::atomic([&] {
    stm::on_commit([head] { for (Node *n = head; n; n = n->next) (void)n; });
  });
  stm::atomic([&]() noexcept { for (Node *n = head; n; n = n->next) n->key += 1; });
}
// CHECK: stm::on_commit([head] { stm::detail::safe_point(); for (Node *n = head; stm::detail::safe_point(), n; n = stm::rd(n)->next) (void)n; });
// CHECK: stm::atomic([&]() noexcept { for (Node *n = head; stm::detail::safe_point_nothrow(), n; n = stm::rd(n)->next) stm::wr(n, "{{[^"]*}}")->key += 1; }, "{{[^"]*}}");

void tasks(Node *head) {
  stm::transaction_queue queue;
  queue.add([head] { for (Node *n = head; n; n = n->next) n->key += 1; });
  queue.run();
}
// CHECK: queue.add([head] { stm::detail::safe_point(); for (Node *n = head; stm::detail::safe_point_in_block(), n; n = stm::rd(n)->next) stm::wr(n, "{{[^"]*}}")->key += 1; }, stm::detail::task_site{"{{[^"]*}}"});

long controls_by_hand(Node *head) {
  long found = 0;
  stm::atomic([&] {
    for (Node *n = head; n; n = n->next) found += 1;
    stm_commit_transaction();
  });
  return found;
}
// CHECK: for (Node *n = head; stm::detail::safe_point(), n; n = stm::rd(n)->next) found += 1;
// CHECK-NEXT: stm_commit_transaction();
