// stmify leaves its own output alone: run again on instrumented text, the
// tool changes nothing and says so, and the plugin compiles it as it is.
// RUN: rm -rf %t && mkdir -p %t/src && %blank_directives %s %t/blank && cp %t/blank/own-output.cpp %t/src/app.cpp
// RUN: %stmify --root %t/src --out-dir %t/out %t/src/app.cpp -- -std=c++17 -I%stmify_include
// RUN: %stmify --root %t/out --out-dir %t/again %t/out/app.cpp -- -std=c++17 -I%stmify_include 2>&1 | FileCheck --check-prefix=NOTE %s
// RUN: diff %t/out/app.cpp %t/again/app.cpp
// RUN: %stmify --check %t/out/app.cpp -- -std=c++17 -I%stmify_include 2>&1 | FileCheck --check-prefix=NOTE %s
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror %t/out/app.cpp %stmify_runtime -pthread -o %t/app
// RUN: %t/app | FileCheck --check-prefix=OUTPUT %s
// RUN: FileCheck %s < %t/out/app.cpp
#include <stmify/stm.hpp>
#include <cstdio>

struct Cell : stm::object {
  long value = 0;
};

int main() {
  Cell *c = stm::make<Cell>();
  stm::atomic([&] { c->value += 42; });
  std::printf("%ld\n", c->value);
}
// CHECK: /* instrumented by stmify */ // stmify leaves its own output alone
// CHECK: stm::atomic([&] { stm::wr(c, "app.cpp:20:21 (in main)")->value += 42; }, "app.cpp:20:3 (in main)");
// NOTE: stmify: {{.*}}app.cpp is stmify's output already (it starts with the marker /* instrumented by stmify */); it is left unchanged
// OUTPUT: 42
