// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <cstdio>
#include <stmify/stm.hpp>

#define LOGGED(v) (std::puts("init"), (v))

struct Widget {
  long size;
  Widget() : size(LOGGED(3)) {} // expected-error {{stmify cannot place the inevitability hook this code needs: it is inside a macro body that is not a statement of its own [stmify:hook-in-macro]}} expected-note {{fix: call the function outside the macro, or turn the macro into an inline function}}
};

// In a function body the hook goes before the statement.
long fine() {
  long v = LOGGED(4);
  return v;
}
