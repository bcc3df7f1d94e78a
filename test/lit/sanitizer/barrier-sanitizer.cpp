// The barrier sanitizer stops a program that uses a reference against the
// barrier it had, naming the line; the same program built without it runs
// on, wrong. The barriers are written by hand (a transformer error each).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -fplugin-arg-stmify-sanitize -std=c++17 -g -O1 -D__STMIFY__=1 -I%stmify_include %s %stmify_runtime -pthread -o %t/sanitized
// RUN: %clangxx -fplugin=%plugin -std=c++17 -g -O1 -D__STMIFY__=1 -I%stmify_include %s %stmify_runtime -pthread -o %t/plain
// RUN: %t/sanitized ok | FileCheck --check-prefix=OK %s
// RUN: %t/sanitized read-after-release | FileCheck --check-prefix=READ-AFTER-RELEASE %s
// RUN: %llvm_bin/not --crash %t/sanitized write-through-read 2>&1 | FileCheck --check-prefix=WRITE-THROUGH-READ %s
// RUN: %llvm_bin/not --crash %t/sanitized kept-write 2>&1 | FileCheck --check-prefix=KEPT %s
// RUN: %llvm_bin/not --crash %t/sanitized kept-read 2>&1 | FileCheck --check-prefix=KEPT-READ %s
// RUN: %llvm_bin/not --crash %t/sanitized write-after-release 2>&1 | FileCheck --check-prefix=WRITE-AFTER-RELEASE %s
// RUN: %llvm_bin/not --crash %t/sanitized segment-reference-stored 2>&1 | FileCheck --check-prefix=STORED %s
// RUN: %llvm_bin/not --crash %t/sanitized kept-over-blocking-call 2>&1 | FileCheck --check-prefix=BLOCKING %s
// RUN: %llvm_bin/not --crash %t/sanitized read-into-read-only 2>&1 | FileCheck --check-prefix=READ-INTO %s
// RUN: %t/sanitized virtual-call-after-block | FileCheck --check-prefix=VIRTUAL %s
// RUN: %t/sanitized held | FileCheck --check-prefix=HELD %s
// RUN: %llvm_bin/not --crash %t/sanitized read-again-unmarked 2>&1 | FileCheck --check-prefix=READ-AGAIN %s
// RUN: %llvm_bin/not --crash %t/sanitized write-again-after-release 2>&1 | FileCheck --check-prefix=WRITE-AGAIN %s
// RUN: %t/plain write-again-after-release | FileCheck --check-prefix=UNCHECKED %s
// RUN: env STMIFY_SANITIZE=0 %t/sanitized write-through-read | FileCheck --check-prefix=UNCHECKED %s
// RUN: %t/plain write-through-read | FileCheck --check-prefix=UNCHECKED %s
// RUN: %t/plain kept-write | FileCheck --check-prefix=UNCHECKED %s
#include <stmify/stm.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <unistd.h>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
  using __stmify_traced_type = Node;
  static void __stmify_trace(const void *self, stm_visit_fn visit, void *context) {
    visit(context, static_cast<const Node *>(self)->next);
  }
};

struct Buffer : stm::object {
  char bytes[16] = {};
  using __stmify_traced_type = Buffer;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

// A method runs with `this` from stm::loc; the vptr of a virtual call on
// `this` is read without a barrier, also after the method ran a block.
struct Shape : stm::object {
  long calls = 0;
  virtual long area() const { return 3; }
  long counted_area() {
    stm::atomic([&] { stm::wr(this)->calls += 1; });
    return area();
  }
  using __stmify_traced_type = Shape;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

std::mutex lock;

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "ok";
  Node *n = stm::make<Node>();
  Node *m = stm::make<Node>();
  if (!std::strcmp(mode, "ok")) {
    stm::atomic([&] {
      stm::wr(n)->value = stm::rd(m)->value + 1;
      stm::wr(n)->next = m;
    });
    std::printf("ok %ld %ld\n", stm::atomic([&] { return stm::rd(n)->value; }),
                stm::atomic([&] { return stm::rd(stm::rd(n)->next)->value; }));
  } else if (!std::strcmp(mode, "write-through-read")) {
    stm::atomic([&] {
      // WRITE-THROUGH-READ: barrier sanitizer: a write through a reference that had only a read barrier
      // WRITE-THROUGH-READ: the reference came from stm::rd
      // WRITE-THROUGH-READ: barrier-sanitizer.cpp:[[# @LINE + 1]]
      stm::rd(n)->value = 5;
    });
    std::printf("unchecked\n");
  } else if (!std::strcmp(mode, "kept-write")) {
    // Written with the barrier of an earlier block: never backed up nor published.
    Node *w = nullptr;
    stm::atomic([&] { w = stm::wr(n); w->value = 1; });
    // KEPT: barrier sanitizer: a reference from a barrier was used after its transaction ended
    // KEPT: barrier-sanitizer.cpp:[[# @LINE + 1]]
    stm::atomic([&] { w->value = 2; });
    std::printf("unchecked\n");
  } else if (!std::strcmp(mode, "kept-read")) {
    // Read in a block with a reference from before it: the read is not marked,
    // so a conflicting commit would not abort the block.
    Node *r = stm::rd(n);
    // KEPT-READ: barrier sanitizer: a reference from a barrier was used after its transaction ended
    // KEPT-READ: barrier-sanitizer.cpp:[[# @LINE + 1]]
    std::printf("%ld\n", stm::atomic([&] { return r->value; }));
  } else if (!std::strcmp(mode, "read-after-release")) {
    // Outside atomic blocks a release publishes and goes on in the same
    // segment: reading through the earlier reference is still right.
    Node *w = stm::wr(n);
    w->value = 7;
    lock.lock();
    lock.unlock();
    // READ-AFTER-RELEASE: value 7
    std::printf("value %ld\n", w->value);
  } else if (!std::strcmp(mode, "write-after-release")) {
    // ...but writing through it is not: the release published the object, and
    // this write would never be.
    Node *w = stm::wr(n);
    w->value = 7;
    lock.lock();
    lock.unlock();
    // WRITE-AFTER-RELEASE: barrier sanitizer: a reference from a barrier was used after its transaction ended
    // WRITE-AFTER-RELEASE: barrier-sanitizer.cpp:[[# @LINE + 1]]
    w->value = 8;
    std::printf("unchecked\n");
  } else if (!std::strcmp(mode, "kept-over-blocking-call")) {
    // A blocking call gives the segment up: another thread may hold it now.
    Node *r = stm::rd(n);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // BLOCKING: barrier sanitizer: a reference from a barrier was used after its transaction ended
    // BLOCKING: barrier-sanitizer.cpp:[[# @LINE + 1]]
    std::printf("%ld\n", r->value);
  } else if (!std::strcmp(mode, "read-into-read-only")) {
    // A system call does not fault on a view it may not use: it is checked.
    int ends[2];
    if (pipe(ends) != 0 || write(ends[1], "abc", 3) != 3)
      return 1;
    Buffer *b = stm::make<Buffer>();
    // READ-INTO: barrier sanitizer: read writes into a buffer in a managed object that had only a read barrier
    long got = read(ends[0], stm::rd(b)->bytes, 3);
    std::printf("unchecked %ld\n", got);
  } else if (!std::strcmp(mode, "virtual-call-after-block")) {
    Shape *s = stm::make<Shape>();
    // VIRTUAL: area 3
    std::printf("area %ld\n", stm::loc(s)->counted_area());
  } else if (!std::strcmp(mode, "held")) {
    // The transformer's barriers for objects the transaction holds: after a
    // read barrier in the same atomic block, after a write barrier with
    // nothing published since; and on objects the block made.
    long sum = stm::atomic([&] {
      long a = stm::rd(n)->value;
      stm::wr(m)->value = 4;
      stm::detail::write_again(m)->value += 1;
      Node *fresh = stm::make<Node>();
      stm::detail::write_again(fresh)->value = 2;
      return a + stm::detail::read_again(n)->value + stm::detail::read_again(m)->value +
             stm::detail::read_again(fresh)->value;
    });
    // HELD: held 7
    std::printf("held %ld\n", sum);
  } else if (!std::strcmp(mode, "read-again-unmarked")) {
    stm::atomic([&] {
      // READ-AGAIN: barrier sanitizer: a read barrier was left out (stm::detail::read_again) where the running atomic block had not marked the object read
      // READ-AGAIN: barrier-sanitizer.cpp:[[# @LINE + 1]]
      return stm::detail::read_again(n)->value;
    });
    std::printf("unchecked\n");
  } else if (!std::strcmp(mode, "write-again-after-release")) {
    // The release published the object: a write needs its barrier again.
    // (Other values than write-after-release's: the optimiser would merge
    // the two stores, and the line would be lost.)
    stm::wr(m)->value = 17;
    lock.lock();
    lock.unlock();
    // WRITE-AGAIN: barrier sanitizer: a write barrier was left out (stm::detail::write_again) where the running transaction had not backed the object up
    // WRITE-AGAIN: barrier-sanitizer.cpp:[[# @LINE + 1]]
    stm::detail::write_again(m)->value = 18;
    std::printf("unchecked %ld\n", stm::rd(m)->value);
  } else if (!std::strcmp(mode, "segment-reference-stored")) {
    // STORED: barrier sanitizer: a Node object {{.*}} that an atomic block wrote holds 0x{{[0-9a-f]+}}, a reference into a segment instead of a canonical one
    stm::atomic([&] { stm::wr(n)->next = stm::rd(m); });
    std::printf("unchecked\n");
  }
  return 0;
}
// OK: ok 1 0
// UNCHECKED: unchecked
