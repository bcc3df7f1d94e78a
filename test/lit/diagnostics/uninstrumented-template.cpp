// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>
#include "Inputs/generic.h"

struct Node : stm::object {
  long value = 0;
};
struct Plain {
  long value = 0;
};

long plain(Plain *p) { return value_of(p) + twice<Node>(1); }

long managed(Node *n) {
  return value_of(n); // expected-error-re {{template 'value_of' from {{.*}}generic.h accesses managed objects of type Node in the instantiation made here, but {{.*}}generic.h does not use stmify's API, so stmify does not instrument it [stmify:uninstrumented-template]}} expected-note-re {{fix: include <stmify/stm.hpp> in {{.*}}generic.h}}
}
