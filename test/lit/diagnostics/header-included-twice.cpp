// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>

struct Node : stm::object {
  long value = 0;
};
struct Plain {
  long value = 0;
};

// Compatible inclusions merge: the generic barriers suit both.
void managed(Node *n) {
#include "Inputs/touch-n.h"
}
void plain(Plain *n) {
#include "Inputs/touch-n.h"
}

// A read and a write of one access combine: the write barrier serves both.
void writes(Node *n) {
#define OP +=
#include "Inputs/apply-op.h"
#undef OP
}
void reads(Node *n) {
#define OP ==
#include "Inputs/apply-op.h"
#undef OP
}

// One inclusion keeps `this` as a value (canonical), the other reaches a field
// through it (this thread's view): no single text serves both.
struct Self : stm::object {
  long value = 0;
  void keep_self();
  long read_self();
};
void keep(Self *);
void Self::keep_self() {
#define USE(p) keep(p)
#include "Inputs/use-this.h"
#undef USE
}
long Self::read_self() {
#define USE(p) return p->value
#include "Inputs/use-this.h" // expected-error-re {{header {{.*}}use-this.h is included twice in this translation unit and would be instrumented differently each time [stmify:header-included-twice]}} expected-note {{fix: add an include guard or #pragma once}}
#undef USE
}
