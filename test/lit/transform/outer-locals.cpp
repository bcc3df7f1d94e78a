// Locals outside an atomic block that the block writes: saved at its start
// when a byte copy restores them (the variable or the plain member written),
// otherwise the block becomes inevitable before the write.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <string>
#include <vector>

struct Node : stm::object {
  long value = 0;
};

struct Summary {
  std::string label;
  long total = 0;
  long values[2] = {};
};

long outer(Node *n, int i) {
  Summary s;
  long plain = 0;
  std::vector<long> seen(4);
  stm::atomic([&] {
    s.total += n->value;
    plain = s.total;
    s.values[i] = n->value;
    seen[i] = plain;
  });
  return plain + seen[0];
}
// CHECK: stm::atomic([&] { stm::detail::preserve(s.total); stm::detail::preserve(plain);
// CHECK-NEXT: s.total += stm::rd(n)->value;
// CHECK-NEXT: plain = s.total;
// CHECK-NEXT: (stm::detail::inevitable_hook("write to 's', declared outside the atomic block, at {{[^"]*}}"), s.values[i] = stm::detail::read_again(n)->value);
// CHECK-NEXT: (stm::detail::inevitable_hook("write to 'seen', declared outside the atomic block, at {{[^"]*}}"), seen[i] = plain);

// A nested block is part of the outermost block's transaction: it saves the
// locals from outside that block, but not those of the outer block's body,
// which the outer block makes again when it runs again (and whose frame an
// abort leaves). A vector of the outer block needs no inevitability either.
long nested(Node *n) {
  long before = 0;
  stm::atomic([&] {
    long inside = n->value;
    std::vector<long> kept;
    stm::atomic([&] {
      inside += 1;
      before += 1;
      kept.push_back(inside);
    });
    n->value = inside + static_cast<long>(kept.size());
  });
  return before;
}
// CHECK: stm::atomic([&] {
// CHECK-NEXT: long inside = stm::rd(n)->value;
// CHECK-NEXT: std::vector<long> kept;
// CHECK-NEXT: stm::atomic([&] { stm::detail::preserve(before);
// CHECK-NEXT: inside += 1;
// CHECK-NEXT: before += 1;
// CHECK-NEXT: kept.push_back(inside);
