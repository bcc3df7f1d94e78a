// A statement that ends in a file it includes gets no braces around it: not
// from its loop's safe point, nor from barriers moved out of a loop that is
// another loop's body (the closing brace would go into the including file,
// at the offset the end has in the included one). A header whose nested
// loop gets different moved barriers in two translation units (one knows
// the callee in the loop, the other does not) gets the barriers of both.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: %stmify --stdout nested.cpp -- -std=c++17 -I%stmify_include > nested.out
// RUN: FileCheck --check-prefix=NESTED %s < nested.out
// RUN: %stmify --stdout spin.cpp -- -std=c++17 -I%stmify_include > spin.out
// RUN: FileCheck --check-prefix=SPIN %s < spin.out
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only nested.cpp
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only spin.cpp
// RUN: %stmify --out-dir out --root %t a.cpp b.cpp -- -std=c++17 -I%stmify_include
// RUN: FileCheck --check-prefix=SHARED %s < out/shared.h
// RUN: %clangxx -std=c++17 -D__STMIFY__=1 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only out/a.cpp
// RUN: %clangxx -std=c++17 -D__STMIFY__=1 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only out/b.cpp

// NESTED: /* instrumented by stmify */ #include <stmify/stm.hpp>{{$}}
// NESTED: for (int r = 0; stm::detail::safe_point(), r < n; ++r)
// NESTED-NEXT: for (int i = 0; i < 8; ++i)
// NESTED-NEXT: #include "body.inc"{{$}}
// SPIN: /* instrumented by stmify */ #include <stmify/stm.hpp>{{$}}
// SPIN: for (;;){{$}}
// SPIN-NEXT: s += stm::rd(b)->words[0] +{{$}}
// SPIN-NEXT: #include "rest.inc"{{$}}
// SHARED: for (int r = 0; stm::detail::safe_point_in_block(), r < n; ++r)
// SHARED-NEXT: { (void)stm::wr(c, "{{[^"]*}}"); (void)stm::rd(b); for (int i = 0; stm::detail::safe_point_in_block(), i < 8; ++i) {
// SHARED-NEXT: stm::wr(c, "{{[^"]*}}")->words[i] += stm::detail::read_again(b)->words[i];

//--- nested.cpp
#include <stmify/stm.hpp>
struct Block : stm::object {
  long words[8] = {};
};
long sum(Block *b, int n) {
  long s = 0;
  for (int r = 0; r < n; ++r)
    for (int i = 0; i < 8; ++i)
#include "body.inc"
  return s;
}
//--- body.inc
      s += b->words[i];
//--- spin.cpp
#include <stmify/stm.hpp>
struct Block : stm::object {
  long words[8] = {};
};
void spin(Block *b, long &s) {
  for (;;)
    s += b->words[0] +
#include "rest.inc"
}
//--- rest.inc
         1;
//--- shared.h
#pragma once
#include <stmify/stm.hpp>
struct Block : stm::object {
  long words[8] = {};
};
void tick(long);
inline void bump(Block *b, Block *c, int n) {
  stm::atomic([&] {
    for (int r = 0; r < n; ++r)
      for (int i = 0; i < 8; ++i) {
        c->words[i] += b->words[i];
        tick(i);
      }
  });
}
//--- a.cpp
#include "shared.h"
void tick(long) {}
void bump_a(Block *b, Block *c) { bump(b, c, 2); }
//--- b.cpp
#include "shared.h"
void bump_b(Block *b, Block *c) { bump(b, c, 3); }
