// Casts and typeid: dynamic_cast and typeid read the vptr, so their operand is
// translated; a pointer result of dynamic_cast is made canonical again.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <typeinfo>

struct Base : stm::object {
  long v = 1;
  virtual ~Base() = default;
};
struct Derived : Base {
  long w = 2;
};

long casts(Base *b, Base &r) {
  long sum = 0;
  if (auto *d = dynamic_cast<Derived *>(b))
    sum += d->w;
  sum += static_cast<Derived *>(b)->w + dynamic_cast<Derived &>(r).w;
  if (typeid(*b) == typeid(Derived) && typeid(r) == typeid(Derived))
    sum += 10;
  return sum + (long)sizeof(*b);
}
// CHECK: if (auto *d = stm::canon(dynamic_cast<Derived *>(stm::loc(b))))
// CHECK-NEXT: sum += stm::rd(d)->w;
// CHECK-NEXT: sum += stm::rd(static_cast<Derived *>(b))->w + stm::rd(dynamic_cast<Derived &>(stm::loc(r))).w;
// CHECK-NEXT: if (typeid(stm::detail::vptr_view(*b)) == typeid(Derived) && typeid(stm::detail::vptr_view(r)) == typeid(Derived))
// CHECK: return sum + (long)sizeof(*b);
