// A header included twice (no include guard) in contexts that need different
// edits gets the union of both: the generic barriers are the identity for
// unmanaged types.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-save-rewritten=%t -std=c++17 -I%stmify_include -c %s -o %t/x.o
// RUN: FileCheck %s < %t/touch-n.h
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};
struct Plain {
  long value = 0;
};

void managed(Node *n) {
#include "../diagnostics/Inputs/touch-n.h"
}
void plain(Plain *n) {
#include "../diagnostics/Inputs/touch-n.h"
}
// CHECK: (stm::detail::inevitable_hook("write to memory outside the managed heap at {{[^"]*}}"), stm::wr(n, "{{[^"]*}}touch-n.h:2:1 (in managed)")->value += 1);
