// STMIFY_REPORT=1 prints at exit what aborted atomic blocks, with the sites
// the plugin gave the write barriers and the blocks, and their source lines.
// Two threads increment one counter until some attempt has aborted: every
// abort is a write-write conflict between the same two lines.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -O1 -I%stmify_include %s %stmify_runtime -pthread -o %t/counter
// RUN: env STMIFY_REPORT=1 STMIFY_SEGMENTS=2 %t/counter 2>&1 | FileCheck %s
// RUN: env STMIFY_SEGMENTS=2 %t/counter 2>&1 | FileCheck --check-prefix=OFF %s
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>

struct Counter : stm::object {
  long n = 0;
};

int main() {
  Counter *c = stm::make<Counter>();
  auto work = [c] {
    for (long i = 0; i < 1000 || (stm::stats().aborts == 0 && i < 100000000); ++i)
      stm::atomic([&] { c->n += 1; });
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  std::printf("aborted: %s\n", stm::stats().aborts > 0 ? "yes" : "no");
  std::fflush(stdout); // before the report, which is written at exit
  return 0;
}

// CHECK: aborted: yes
// CHECK: stmify: report: {{[0-9]+}} atomic blocks committed, {{[1-9][0-9]*}} {{attempt|attempts}} aborted
// CHECK-NEXT: stmify: 1. {{[0-9.]+}} s lost in {{[0-9]+ aborts?}}: write-write conflict on Counter
// CHECK-NEXT: stmify:      committed write  {{.*}}conflict-report.cpp:22:25   | stm::atomic([&] { c->n += 1; });
// CHECK-NEXT: stmify:      aborted write    {{.*}}conflict-report.cpp:22:25   | stm::atomic([&] { c->n += 1; });
// CHECK-NEXT: stmify:      in atomic block  {{.*}}conflict-report.cpp:22:7   | stm::atomic([&] { c->n += 1; });
// CHECK-NOT: stmify: 2.

// OFF: aborted: yes
// OFF-NOT: stmify: report
