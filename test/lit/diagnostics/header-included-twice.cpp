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

// One inclusion writes n->value, the other reads it: no single text serves both.
void writes(Node *n) {
#define OP +=
#include "Inputs/apply-op.h"
#undef OP
}
void reads(Node *n) {
#define OP ==
#include "Inputs/apply-op.h" // expected-error-re {{header {{.*}}apply-op.h is included twice in this translation unit and would be instrumented differently each time [stmify:header-included-twice]}} expected-note {{fix: add an include guard or #pragma once}}
#undef OP
}
