// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <cstdio>
#include <stmify/stm.hpp>

// The macro's expansion is only part of the initializer: neither a statement
// nor a whole expression to put the hook around.
#define LOGGED_PLUS std::puts("init") +

struct Widget {
  long size;
  Widget() : size(LOGGED_PLUS 3) {} // expected-error {{stmify cannot place the inevitability hook this code needs: it is inside a macro body that is not a statement of its own [stmify:hook-in-macro]}} expected-note {{fix: call the function outside the macro, or turn the macro into an inline function}}
};
