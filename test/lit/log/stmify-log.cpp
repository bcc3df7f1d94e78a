// STMIFY_LOG and stmify-log on programs whose conflicts are known in advance:
// two threads writing one field (write-write), a writer and a reader
// (write-read), a block that prints inside an atomic block while another
// waits for it (inevitable). check_log.py finds the expected lines by their
// "site:" markers, checks that the report names exactly those kinds and site
// pairs and the functions they are in, sorted by time lost, that the JSON validates against the documented
// schema, and that the timeline is SVG with one lane per segment. Eight
// threads on two segments lose no event (the log's counts are stm::stats()'s);
// a killed program leaves a readable log; a log cut short is read up to the
// cut; a log that cannot be written stops the program at start.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -O1 -I%stmify_include %s %stmify_runtime -pthread -o %t/prog
// RUN: env STMIFY_LOG=%t/ww.log STMIFY_SEGMENTS=2 STMIFY_RETRY_LIMIT=100000 %t/prog ww
// RUN: %stmify_log %t/ww.log | FileCheck --check-prefix=WW %s
// RUN: %stmify_log --json --top 0 %t/ww.log > %t/ww.json
// RUN: %python %S/check_log.py --source %s --schema %stmify_docs/stmify-log.schema.json --json %t/ww.json --expect write-write:ww@main:ww@main:ww-block@main
// RUN: env STMIFY_LOG=%t/array.log STMIFY_SEGMENTS=2 STMIFY_RETRY_LIMIT=100000 %t/prog array
// RUN: %stmify_log --json --top 0 %t/array.log > %t/array.json
// RUN: %python %S/check_log.py --source %s --schema %stmify_docs/stmify-log.schema.json --json %t/array.json --expect write-write:array@main:array@main:array-block@main
// RUN: env STMIFY_LOG=%t/wr.log STMIFY_SEGMENTS=2 STMIFY_RETRY_LIMIT=100000 %t/prog wr
// RUN: %stmify_log --json --top 0 %t/wr.log > %t/wr.json
// RUN: %python %S/check_log.py --source %s --schema %stmify_docs/stmify-log.schema.json --json %t/wr.json --expect write-read:wr-write@writer_loop:-:wr-read@main
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-read-sites -std=c++17 -O1 -I%stmify_include %s %stmify_runtime -pthread -o %t/prog-read-sites
// RUN: env STMIFY_LOG=%t/wr-sites.log STMIFY_SEGMENTS=2 STMIFY_RETRY_LIMIT=100000 %t/prog-read-sites wr
// RUN: %stmify_log --json --top 0 %t/wr-sites.log > %t/wr-sites.json
// RUN: %python %S/check_log.py --source %s --schema %stmify_docs/stmify-log.schema.json --json %t/wr-sites.json --expect write-read:wr-write@writer_loop:wr-load@read_value:wr-read@main
// RUN: env STMIFY_REPORT=1 STMIFY_SEGMENTS=2 STMIFY_RETRY_LIMIT=100000 %t/prog-read-sites wr 2>&1 | FileCheck --check-prefix=READ-SITES %s
// RUN: env STMIFY_LOG=%t/inevitable.log STMIFY_SEGMENTS=2 %t/prog inevitable > /dev/null
// RUN: %stmify_log %t/inevitable.log --timeline %t/inevitable.svg | FileCheck --check-prefix=INEVITABLE %s
// RUN: %stmify_log --json --top 0 %t/inevitable.log > %t/inevitable.json
// RUN: %python %S/check_log.py --source %s --schema %stmify_docs/stmify-log.schema.json --json %t/inevitable.json --expect inevitable:printf@main:printer@main:waiter@main --svg %t/inevitable.svg --segments 2
// RUN: env STMIFY_VERBOSE=1 STMIFY_SEGMENTS=2 STMIFY_RETRY_LIMIT=100000 %t/prog ww 2>&1 | FileCheck --check-prefix=VERBOSE-WW %s
// RUN: env STMIFY_VERBOSE=1 STMIFY_SEGMENTS=2 %t/prog inevitable 2>&1 >/dev/null | FileCheck --check-prefix=VERBOSE-INEVITABLE %s
// RUN: env STMIFY_SEGMENTS=2 STMIFY_RETRY_LIMIT=100000 %t/prog ww 2>&1 | count 0
// RUN: env STMIFY_LOG=%t/eight.log STMIFY_SEGMENTS=2 %t/prog eight-threads > %t/eight.out
// RUN: %stmify_log --json %t/eight.log > %t/eight.json
// RUN: %python %S/check_log.py --schema %stmify_docs/stmify-log.schema.json --json %t/eight.json --stats %t/eight.out
// RUN: %python %S/check_log.py --kill-after 0.5 --log %t/killed.log -- %t/prog forever
// RUN: %stmify_log %t/killed.log | FileCheck --check-prefix=KILLED %s
// RUN: %python %S/check_log.py --cut %t/eight.log %t/cut.log
// RUN: %stmify_log %t/cut.log 2>&1 | FileCheck --check-prefix=CUT %s
// RUN: not env STMIFY_LOG=%t/no/such/dir/x.log %t/prog eight-threads 2>&1 | FileCheck --check-prefix=UNWRITABLE %s
// RUN: not env STMIFY_LOG=/dev/full %t/prog eight-threads 2>&1 | FileCheck --check-prefix=FULL %s
// RUN: not %stmify_log %t 2>&1 | FileCheck --check-prefix=DIRECTORY %s
// RUN: cp %t/ww.log %t/keep.log && not %stmify_log --timeline %t/keep.log %t/ww.log 2>&1 | FileCheck --check-prefix=OVERWRITE %s
// RUN: cmp %t/ww.log %t/keep.log
// RUN: rm -f %t/fifo && mkfifo %t/fifo
// RUN: not env STMIFY_LOG=%t/fifo %t/prog eight-threads 2>&1 | FileCheck --check-prefix=FIFO %s
// RUN: rm -f %t/by-pid.*.log && env STMIFY_LOG=%t/by-pid.%%p.log %t/prog eight-threads > /dev/null
// RUN: ls %t | FileCheck --check-prefix=PID %s
#include <stmify/stm.hpp>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

struct Counter : stm::object {
  long n = 0;
};

struct Shared : stm::object {
  long value = 0;
  long other = 0;
};

// Work that neither touches managed memory nor makes the block inevitable
// (as a volatile access would).
static unsigned long spin(long steps) {
  unsigned long x = 88172645463325252ul;
  for (long i = 0; i < steps; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

static long aborts() { return static_cast<long>(stm::stats().aborts); }

// The write-read pair's writer and read sit in functions of their own, so
// that the report names functions other than main.
static void writer_loop(Shared *s, const std::atomic<bool> &done) {
  while (!done.load())
    stm::atomic([&] { s->value += 1; }); // site: wr-write
}

static long read_value(const Shared *s) {
  return s->value; // site: wr-load
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "ww") == 0) {
    Counter *c = stm::make<Counter>();
    auto work = [c] {
      for (long i = 0; i < 1000 || (aborts() == 0 && i < 100000000); ++i)
        stm::atomic([&] { c->n += 1; }); // site: ww ww-block
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
  } else if (std::strcmp(mode, "array") == 0) {
    // Writes through stm::array::set name their site too.
    stm::array<long> *cells = stm::make_array<long>(4096);
    auto work = [cells] {
      for (long i = 0; i < 1000 || (aborts() == 0 && i < 100000000); ++i)
        stm::atomic([&] { cells->set(7, cells->get(7) + 1); }); // site: array array-block
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
  } else if (std::strcmp(mode, "wr") == 0) {
    Shared *s = stm::make<Shared>();
    std::atomic<bool> done{false};
    std::thread writer([&] { writer_loop(s, done); });
    long seen = 0;
    for (long i = 0; i < 100 || (aborts() == 0 && i < 10000000); ++i)
      stm::atomic([&] { // site: wr-read
        long v = read_value(s);
        seen += v + static_cast<long>(spin(2000) & 1);
      });
    done.store(true);
    writer.join();
    std::printf("%ld\n", seen > 0 ? 1L : 0L);
  } else if (std::strcmp(mode, "inevitable") == 0) {
    Shared *s = stm::make<Shared>(), *w = stm::make<Shared>();
    std::atomic<bool> done{false};
    std::thread printer([&] {
      for (int i = 0; i < 20; ++i)
        stm::atomic([&] { // site: printer
          s->value += 1;
          std::printf("tick %ld\n", s->value); // site: printf
          s->other += static_cast<long>(spin(2000000) & 1);
        });
      done.store(true);
    });
    std::thread waiter([&] {
      while (!done.load())
        stm::atomic([&] { w->other += 1; }); // site: waiter
    });
    printer.join();
    waiter.join();
  } else if (std::strcmp(mode, "eight-threads") == 0) {
    // Eight threads on two segments: some share a counter, each has its own.
    Counter *shared = stm::make<Counter>();
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([shared] {
        Counter *mine = stm::make<Counter>();
        for (int i = 0; i < 3000; ++i)
          stm::atomic([&] {
            mine->n += 1;
            if (i % 3 == 0)
              shared->n += 1;
          });
      });
    for (auto &t : threads)
      t.join();
    const stm::statistics st = stm::stats();
    std::printf("commits %llu aborts %llu\n", static_cast<unsigned long long>(st.commits),
                static_cast<unsigned long long>(st.aborts));
  } else if (std::strcmp(mode, "forever") == 0) {
    Counter *c = stm::make<Counter>();
    for (;;)
      stm::atomic([&] { c->n += 1; });
  }
  return 0;
}

// WW: ww.log: 2 segments, {{[0-9]+}} threads, {{[0-9.]+}} s
// WW-NEXT: {{[0-9]+}} commits, {{[1-9][0-9]*}} aborts ({{[0-9.]+}} %): {{[0-9]+}} write-write
// (Not necessarily first: a wait for a segment, for the main thread's, can
// cost more than a single abort on a loaded machine; check_log.py checks the order.)
// WW: {{[0-9]+}}. {{[0-9.]+}} s lost, {{[0-9.]+}} s paused: {{[0-9]+}}x write-write conflict on Counter
// WW-NEXT: committed write {{.*}}stmify-log.cpp:[[#LINE:]]:27 (in main)
// WW-NEXT: | stm::atomic([&] { c->n += 1; }); // site: ww ww-block
// WW-NEXT: aborted write {{.*}}stmify-log.cpp:[[#LINE]]:27 (in main)
// WW-NEXT: | stm::atomic([&] { c->n += 1; }); // site: ww ww-block
// WW-NEXT: in atomic block {{.*}}stmify-log.cpp:[[#LINE]]:9 (in main)

// INEVITABLE: inevitable.log: 2 segments
// INEVITABLE: {{[0-9]+}} inevitable transactions
// INEVITABLE: s paused: {{[0-9]+}}x waits for an inevitable transaction
// INEVITABLE-NEXT: inevitable by call to 'printf' at {{.*}}stmify-log.cpp:[[#PRINTF:]]:11 (in main)
// INEVITABLE-NEXT: | std::printf("tick %ld\n", s->value); // site: printf
// INEVITABLE-NEXT: inevitable block {{.*}}stmify-log.cpp:
// INEVITABLE-NEXT: | stm::atomic([&] { // site: printer
// INEVITABLE-NEXT: waiting block {{.*}}stmify-log.cpp:
// INEVITABLE-NEXT: | stm::atomic([&] { w->other += 1; }); // site: waiter

// READ-SITES: write-read conflict on Shared
// READ-SITES-NEXT: committed write {{.*}}stmify-log.cpp:[[#]]:23 (in writer_loop) | stm::atomic([&] { s->value += 1; }); // site: wr-write
// READ-SITES-NEXT: aborted read {{.*}}stmify-log.cpp:[[#]]:10 (in read_value) | return s->value; // site: wr-load
// READ-SITES-NEXT: aborted block {{.*}}stmify-log.cpp:[[#]]:7 (in main) | stm::atomic([&] { // site: wr-read

// KILLED: killed.log: {{[0-9]+}} segments
// KILLED-NEXT: {{[1-9][0-9]*}} commits

// CUT: cut.log: 2 segments
// CUT: note: the log ends at byte {{[0-9]+}}: its last chunk is cut short (the program was killed, or the disk was full)
// CUT: stmify-log: warning: the log ends at byte

// UNWRITABLE: stmify: error: STMIFY_LOG="{{.*}}x.log": cannot open the log for writing: No such file or directory
// DIRECTORY: stmify-log: error: '{{.*}}' is a directory, not a log
// OVERWRITE: stmify-log: error: --timeline {{.*}}keep.log is a stmify log; it is not overwritten
// FIFO: stmify: error: STMIFY_LOG="{{.*}}fifo" is a pipe or a socket
// PID: by-pid.{{[0-9]+}}.log
// FULL: stmify: error: STMIFY_LOG="/dev/full": cannot write the log: No space left on device

// VERBOSE-WW: stmify: detected conflict: write-write on Counter: committed write at {{.*}}stmify-log.cpp:[[L:[0-9]+]]:27 (in main), aborted write at {{.*}}stmify-log.cpp:[[L]]:27 (in main), in atomic block {{.*}}stmify-log.cpp:[[L]]:9 (in main); the attempt aborted, {{[0-9.]+}} s lost
// VERBOSE-INEVITABLE: stmify: inevitable transaction (call to 'printf' at {{.*}}stmify-log.cpp:[[#]]:11 (in main)) in atomic block {{.*}}stmify-log.cpp:[[#]]:9 (in main) blocked 1 other transaction for up to {{[0-9.]+}} s
