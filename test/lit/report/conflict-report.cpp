// STMIFY_REPORT=1 prints at exit what aborted atomic blocks, with the sites
// the plugin gave the write barriers, the blocks and the queued tasks, and
// their source lines. Two threads (or two queue workers) increment one
// counter until some attempt has aborted: every conflict is a write-write
// conflict between the same two lines (a block that reaches the retry limit
// may also make the other wait, so the entry's rank is not checked).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -O1 -I%stmify_include %s %stmify_runtime -pthread -o %t/counter
// RUN: env STMIFY_REPORT=1 STMIFY_SEGMENTS=2 %t/counter threads 2>&1 | FileCheck --check-prefix=THREADS %s
// RUN: env STMIFY_REPORT=1 STMIFY_SEGMENTS=2 %t/counter queue 2>&1 | FileCheck --check-prefix=QUEUE %s
// RUN: env STMIFY_SEGMENTS=2 %t/counter threads 2>&1 | FileCheck --check-prefix=OFF %s
#include <stmify/stm.hpp>

#include <cstdio>
#include <cstring>
#include <thread>

struct Counter : stm::object {
  long n = 0;
};

int main(int argc, char **argv) {
  Counter *c = stm::make<Counter>();
  if (argc > 1 && std::strcmp(argv[1], "queue") == 0) {
    stm::transaction_queue tq(2);
    for (long round = 0; round < 1 || (stm::stats().aborts == 0 && round < 100000); ++round) {
      for (int i = 0; i < 1000; ++i)
        tq.add([c] { c->n += 1; });
      tq.run();
    }
  } else {
    auto work = [c] {
      for (long i = 0; i < 1000 || (stm::stats().aborts == 0 && i < 100000000); ++i)
        stm::atomic([&] { c->n += 1; });
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
  }
  std::printf("aborted: %s\n", stm::stats().aborts > 0 ? "yes" : "no");
  std::fflush(stdout); // before the report, which is written at exit
  return 0;
}

// THREADS: aborted: yes
// THREADS-NEXT: stmify: report: {{[0-9]+}} atomic blocks committed, {{[1-9][0-9]* attempts?}} aborted
// THREADS: stmify: {{[0-9]+}}. {{[0-9.]+}} s lost in {{[0-9]+ aborts?}}: write-write conflict on Counter
// THREADS-NEXT: stmify:      committed write  {{.*}}conflict-report.cpp:34:27 (in main)   | stm::atomic([&] { c->n += 1; });
// THREADS-NEXT: stmify:      aborted write    {{.*}}conflict-report.cpp:34:27 (in main)   | stm::atomic([&] { c->n += 1; });
// THREADS-NEXT: stmify:      in atomic block  {{.*}}conflict-report.cpp:34:9 (in main)   | stm::atomic([&] { c->n += 1; });

// QUEUE: aborted: yes
// QUEUE-NEXT: stmify: report:
// QUEUE: stmify: {{[0-9]+}}. {{[0-9.]+}} s lost in {{[0-9]+ aborts?}}: write-write conflict on Counter
// QUEUE-NEXT: stmify:      committed write  {{.*}}conflict-report.cpp:28:22 (in main)   | tq.add([c] { c->n += 1; });
// QUEUE-NEXT: stmify:      aborted write    {{.*}}conflict-report.cpp:28:22 (in main)   | tq.add([c] { c->n += 1; });
// QUEUE-NEXT: stmify:      in atomic block  {{.*}}conflict-report.cpp:28:9 (in main)   | tq.add([c] { c->n += 1; });

// OFF: aborted: yes
// OFF-NOT: stmify: report
