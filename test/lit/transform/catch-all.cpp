// catch (...) handlers let an abort of the transaction pass through.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Cell : stm::object {
  long v = 0;
};

void may_throw(Cell *c);

void handlers(Cell *c) {
  try {
    may_throw(c);
  } catch (const int &) {
  } catch (...) {
    c->v = -1;
  }
}
// CHECK: } catch (const int &) {
// CHECK-NEXT: } catch (...) { stm::detail::rethrow_if_abort();
// CHECK-NEXT: stm::wr(c, "{{[^"]*}}")->v = -1;

void quiet(Cell *c) noexcept {
  try {
    may_throw(c);
  } catch (...) {
  }
}
// CHECK: void quiet(Cell *c) noexcept { stm::detail::nothrow_scope __stmify_nothrow;
// CHECK: } catch (...) {
// CHECK-NEXT: }
