// Library code that applies a member pointer to a managed object (std::invoke,
// std::mem_fn) gets the object translated: with a write barrier for a data
// member (the result may be written), a read barrier for a const object, a
// translation only for a member function.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <functional>
#include <stmify/stm.hpp>

struct Counter : stm::object {
  long value = 0;
  long twice() const { return 2 * value; }
};

long member_pointers(Counter *c, const Counter *k) {
  auto value_of = std::mem_fn(&Counter::value);
  std::invoke(&Counter::value, c) += 1;
  return value_of(c) + std::invoke(&Counter::value, k) + std::invoke(&Counter::twice, c);
}
// CHECK: (stm::detail::inevitable_hook("write to memory outside the managed heap at {{[^"]*}}"), (stm::detail::inevitable_hook("call to 'std::invoke' at {{[^"]*}}"), std::invoke(&Counter::value, stm::wr(c, "{{[^"]*}}"))) += 1);
// CHECK-NEXT: return (stm::detail::inevitable_hook("call to 'std::_Mem_fn_base::operator()' at {{[^"]*}}"), value_of(stm::wr(c, "{{[^"]*}}"))) + (stm::detail::inevitable_hook("call to 'std::invoke' at {{[^"]*}}"), std::invoke(&Counter::value, stm::rd(k))) + (stm::detail::inevitable_hook("call to 'std::invoke' at {{[^"]*}}"), std::invoke(&Counter::twice, stm::loc(c)));
