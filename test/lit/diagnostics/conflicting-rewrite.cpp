// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};

// The argument is written by the first use and read by the second: one text,
// two instrumentations.
#define INCREMENT(x) ((x) = (x) + 1)

void bump(Node *n) {
  INCREMENT(n->value); // expected-error {{this code is reached twice with different instrumentation (a macro argument used twice, once read and once written, say) [stmify:conflicting-rewrite]}} expected-note {{fix: use the expression once, or turn the macro into an inline function}}
}
