// A class local to a function gets a trace function that -Wall -Werror
// accepts (its alias is otherwise an unused local typedef).
// RUN: rm -rf %t && mkdir -p %t && %blank_directives %s %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %stmify --stdout %t/trace-local-classes.cpp -- -std=c++17 -I%stmify_include > %t/out.cpp
// RUN: FileCheck %s < %t/out.cpp
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -fsyntax-only %t/out.cpp
#include <stmify/stm.hpp>

struct Cell : stm::object {
  long value = 0;
};

long count(Cell *c) {
  struct Counter {
    Cell *cell;
    long get() const { return cell->value; }
  };
  // CHECK: public: using __stmify_traced_type {{\[\[}}maybe_unused{{\]\]}} = Counter;
  return Counter{c}.get();
}
