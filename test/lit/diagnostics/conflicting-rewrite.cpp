// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
  long keep_and_read();
};
void keep(Node *);

// The argument is used once as a value (it must stay canonical) and once to
// reach a field (it must be this thread's view): one text cannot be both.
#define KEEP_AND_READ(p) (keep(p), p->value)

long Node::keep_and_read() {
  return KEEP_AND_READ(this); // expected-error {{this code needs two instrumentations that cannot be combined (stm::canon and stm::rd): it is an argument that macro 'KEEP_AND_READ' expands more than once [stmify:conflicting-rewrite]}} expected-note {{fix: pass the value to the macro in a local variable, or turn the macro into an inline function}}
}

// A read and a write of one argument combine: the write barrier serves both.
#define INCREMENT(x) ((x) = (x) + 1)
void bump(Node *n) { INCREMENT(n->value); }
