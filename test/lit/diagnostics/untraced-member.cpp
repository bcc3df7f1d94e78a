// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>
#include "Inputs/generic.h"

struct Node : stm::object {
  long value = 0;
};

struct Shelf : stm::object {
  Box<Node> box; // expected-error-re {{member 'box' of Shelf has type Box<Node> from {{.*}}generic.h, which can hold managed references, but {{.*}}generic.h does not use stmify's API: the type gets no trace function and the collector would not see those references [stmify:untraced-member]}} expected-note-re {{fix: include <stmify/stm.hpp> in {{.*}}generic.h}}
  Box<int> numbers;
};
