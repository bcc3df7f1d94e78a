// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>

struct Leaf : stm::object {
  long value = 0;
};

union Slot {
  Leaf *leaf;
  long number;
};

union Numbers {
  long whole;
  double real;
};

struct Tree : stm::object {
  Slot slot; // expected-error {{managed class Tree has member 'slot' of union type Slot that can hold managed references; the collector cannot know which member of a union is active [stmify:untraceable-member]}} expected-note {{fix: store the managed reference outside the union, with a separate tag}}
  Numbers numbers; // no managed references: fine
};
