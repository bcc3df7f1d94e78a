// A lock cannot roll back: atomic_cancel without the plugin is a compile error
// that says so, never a silent no-op.
// RUN: not %gxx -std=c++17 -fsyntax-only -I%stmify_include %s 2>&1 | FileCheck %s
// RUN: not %clangxx -std=c++17 -fsyntax-only -I%stmify_include %s 2>&1 | FileCheck %s
#include <stmify/stm.hpp>

void undo_on_error(int &x) {
  stm::atomic_cancel([&] { x = 1; });
}
// CHECK: stm::atomic_cancel needs the stmify plugin
