// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>
#include <string>

struct Node : stm::object {
  long value = 0;
};

struct Summary {
  std::string label;
  long total = 0;
  long values[2] = {};
};

long restorable(Node *n) {
  Summary s;
  long plain = 0;
  stm::atomic([&] {
    s.total += n->value; // a trivially copyable member of the local: saved
    plain = s.total;
  });
  return plain;
}

void unrestorable(Node *n) {
  Summary s;
  int i = 1;
  stm::atomic([&] {
    s.values[i] = n->value; // expected-error {{the atomic block writes local variable 's' of type Summary, declared outside the block, which is not trivially copyable; it cannot be restored if the block aborts and runs again [stmify:unrestorable-local]}} expected-note {{fix: declare the variable inside the block and return it, or write a trivially copyable variable}}
  });
}
