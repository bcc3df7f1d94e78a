// Atomic blocks inside templates: stm::atomic with a lambda that depends on a
// template parameter is resolved only at instantiation, yet it is the same
// atomic block: it gets its site id, the outer locals it writes are saved,
// and references to fields bound in its body are valid to its end.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <array>
#include <string>
#include <utility>

struct Slot {
  long count = 0;
};

template <std::size_t N> struct Shelf : stm::object {
  std::array<Slot, N> slots{};
  long restocks = 0;
  long total() const {
    long sum = 0;
    stm::atomic([&] {
      for (const Slot &slot : slots)
        sum += slot.count;
    });
    // CHECK: stm::atomic([&] { stm::detail::preserve(sum);
    // CHECK-NEXT: for (const Slot &slot : stm::detail::elements_of(stm::rd(this)->slots))
    // CHECK: }, "{{[^"]*}}/atomic-blocks-in-templates.cpp:[[@LINE-6]]:5 (in Shelf::total)");
    return sum;
  }
};

template <class S> void restock(S *shelf, long amount) {
  stm::atomic([&] {
    for (Slot &slot : shelf->slots)
      slot.count += amount;
    long &r = shelf->restocks;
    ++r;
  });
  // CHECK: for (Slot &slot : stm::wr(shelf, "{{[^"]*}}/atomic-blocks-in-templates.cpp:[[@LINE-5]]:23 (in restock)")->slots)
  // CHECK: long &r = stm::wr(shelf, "{{[^"]*}}/atomic-blocks-in-templates.cpp:[[@LINE-4]]:15 (in restock)")->restocks;
  // CHECK-NEXT: ++r;
  // CHECK-NEXT: }, "{{[^"]*}}/atomic-blocks-in-templates.cpp:[[@LINE-9]]:3 (in restock)");
}

template <class S> long take(S *shelf, std::size_t i) {
  long taken = 0;
  stm::atomic([&] {
    Slot &slot = shelf->slots[i];
    taken = slot.count;
    slot.count = 0;
  });
  // CHECK: stm::atomic([&] { stm::detail::preserve(taken);
  // CHECK-NEXT: Slot &slot = stm::wr(shelf, "{{[^"]*}}/atomic-blocks-in-templates.cpp:[[@LINE-5]]:18 (in take)")->slots[i];
  // CHECK-NEXT: taken = slot.count;
  // CHECK-NEXT: slot.count = 0;
  // CHECK-NEXT: }, "{{[^"]*}}/atomic-blocks-in-templates.cpp:[[@LINE-9]]:3 (in take)");
  return taken;
}

template <class S> bool cancelled(S *shelf) {
  return stm::atomic_cancel([&] { return shelf->restocks > 0; }, "named");
  // CHECK: return stm::atomic_cancel([&] { return stm::rd(shelf)->restocks > 0; }, "named");
}

template <class S> void alone(S *shelf) {
  using stm::exclusive_atomic;
  exclusive_atomic([&] { shelf->restocks = 0; });
  // CHECK: exclusive_atomic([&] { stm::wr(shelf, "{{[^"]*}}/atomic-blocks-in-templates.cpp:[[@LINE-1]]:26 (in alone)")->restocks = 0; }, "{{[^"]*}}/atomic-blocks-in-templates.cpp:[[@LINE-1]]:3 (in alone)");
}

template <class S> void labelled(S *shelf, std::string &label) {
  stm::atomic([&] {
    label = "restocked";
    ++shelf->restocks;
  });
}

// A pack expansion may hold the site: none is added.
template <class... A> auto forwarded(A &&...a) { return stm::atomic(std::forward<A>(a)...); }
// CHECK: template <class... A> auto forwarded(A &&...a) { stm::detail::safe_point(); return stm::atomic(std::forward<A>(a)...); }

int main() {
  auto *shelf = stm::make<Shelf<4>>();
  restock(shelf, 3);
  std::string label;
  labelled(shelf, label);
  cancelled(shelf);
  alone(shelf);
  forwarded([&] { shelf->restocks += 1; }, "forwarded");
  return static_cast<int>(take(shelf, 1) + shelf->total());
}
