// Site strings name files relative to the source root (the tool's --root,
// the compiler's working directory) or as -ffile-prefix-map says, so two
// checkouts of a project in different directories produce the same output.
// RUN: rm -rf %t && mkdir -p %t/one %t/two
// RUN: %blank_directives %s %t/blank && cp %t/blank/reproducible-sites.cpp %t/one/app.cpp && cp %t/one/app.cpp %t/two/app.cpp
//
// RUN: %stmify --root %t/one --stdout %t/one/app.cpp -- -std=c++17 -I%stmify_include > %t/one.cpp
// RUN: %stmify --root %t/two --stdout %t/two/app.cpp -- -std=c++17 -I%stmify_include > %t/two.cpp
// RUN: diff %t/one.cpp %t/two.cpp
// RUN: FileCheck %s < %t/one.cpp
//
// RUN: cd %t/one && %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -c app.cpp -o %t/one.o
// RUN: cd %t/two && %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -c app.cpp -o %t/two.o
// RUN: cmp %t/one.o %t/two.o
//
// RUN: cd %t && %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -ffile-prefix-map=%t/one=src -S -emit-llvm %t/one/app.cpp -o %t/one.ll
// RUN: cd %t && %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -ffile-prefix-map=%t/two=src -S -emit-llvm %t/two/app.cpp -o %t/two.ll
// RUN: grep -o 'c"[^"]*"' %t/one.ll > %t/one-strings.txt
// RUN: grep -o 'c"[^"]*"' %t/two.ll > %t/two-strings.txt
// RUN: diff %t/one-strings.txt %t/two-strings.txt
// RUN: FileCheck --check-prefix=MAPPED %s < %t/one-strings.txt
#include <stmify/stm.hpp>

struct Cell : stm::object {
  long value = 0;
};

void set(Cell *c) { c->value = 1; }
// CHECK: void set(Cell *c) { stm::wr(c, "app.cpp:[[#@LINE-1]]:21 (in set)")->value = 1; }
// MAPPED: c"src/app.cpp:28:21 (in set)\00"
