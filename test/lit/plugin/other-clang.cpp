// The plugin refuses to load into another clang major version, saying which
// compiler it needs, instead of crashing.
// REQUIRES: other-clang
// RUN: not %other_clangxx -fplugin=%plugin -fsyntax-only %s 2>&1 | FileCheck %s
// CHECK: error: stmify: this plugin was built for clang 19 but was loaded into clang 14; compile with clang++-19
int main() {}
