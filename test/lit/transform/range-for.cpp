// Range-for over unmanaged containers of managed references.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <vector>

struct Item : stm::object {
  long count = 0;
};

long total(const std::vector<Item *> &items) {
  long sum = 0;
  for (Item *it : items)
    sum += it->count;
  return sum;
}
// CHECK: for (Item *it : items)
// CHECK-NEXT: { stm::detail::safe_point(); sum += stm::rd(it)->count; }

void reset(std::vector<Item *> &items) {
  for (auto &it : items) {
    it->count = 0;
  }
}
// CHECK: for (auto &it : items) { stm::detail::safe_point();
// CHECK-NEXT: stm::wr(it, "{{[^"]*}}")->count = 0;

struct Pair : stm::object {
  Item *items[2] = {};
  long sum() const {
    long s = 0;
    for (Item *it : items)
      if (it)
        s += it->count;
    return s;
  }
};
// Reading the elements of an array field: each is read when the loop reaches it.
// CHECK: for (Item *it : stm::detail::elements_of(stm::rd(this)->items))
