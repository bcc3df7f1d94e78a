// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

#define VALUE_OF(p) ((p)->value)
#define BUMP(p) ((p)->value += 1)
#define CHECKED(x) (x)

long read(Node *n) {
  return VALUE_OF(n); // expected-error {{stmify cannot instrument this access to managed object of type Node: it is written inside the body of a macro [stmify:access-in-macro]}} expected-note {{fix: write the access outside the macro, or turn the macro into an inline function}}
}

void write(Node *n) {
  BUMP(n); // expected-error {{stmify cannot instrument this access to managed object of type Node: it is written inside the body of a macro [stmify:access-in-macro]}} expected-note {{fix: write the access outside the macro}}
}

// An access in a macro argument is written in the file: it is instrumented.
long argument(Node *n) { return CHECKED(n->value); }
