// Runs N barriered list steps or N plain ones, or N empty atomic blocks or
// N lock-unlock pairs of a mutex; scripts/bench.sh runs it under callgrind at
// two sizes and reports the instructions per step.
//   barrier_instructions read|write|plain-read|plain-write|empty-atomic|
//                        locked|unattached-locked|libc-locked N
// locked: a std::mutex in a thread attached to the runtime (as every thread
// of a program built with the plugin is), through the runtime's
// interception; unattached-locked: the same in a thread that never ran
// managed code; libc-locked: the C library's own functions, as a program
// without the runtime calls them.
#include "bench_objects.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

using namespace stmbench;

constexpr int kNodes = 64;

__attribute__((noinline)) long read_walk(Node *head, long steps) {
  long sum = 0;
  Node *n = head;
  for (long i = 0; i < steps; ++i) {
    Node *local = stm::rd(n);
    sum += local->key;
    n = local->next;
  }
  return sum;
}

__attribute__((noinline)) long plain_read_walk(PlainNode *head, long steps) {
  long sum = 0;
  PlainNode *n = head;
  for (long i = 0; i < steps; ++i) {
    sum += n->key;
    n = n->next;
  }
  return sum;
}

__attribute__((noinline)) void write_walk(Node *head, long steps) {
  Node *n = head;
  for (long i = 0; i < steps; ++i) {
    Node *local = stm::wr(n);
    local->key += 1;
    n = local->next;
  }
}

__attribute__((noinline)) void plain_write_walk(PlainNode *head, long steps) {
  PlainNode *n = head;
  for (long i = 0; i < steps; ++i) {
    n->key += 1;
    n = n->next;
  }
}

// What an atomic block costs when it has nothing to do, against a mutex.
__attribute__((noinline)) void empty_atomic_blocks(long steps) {
  for (long i = 0; i < steps; ++i)
    stm::atomic([] {});
}

__attribute__((noinline)) void locked_blocks(std::mutex &m, long steps) {
  for (long i = 0; i < steps; ++i) {
    std::lock_guard<std::mutex> lock(m);
    asm volatile("" ::: "memory");
  }
}

__attribute__((noinline)) void libc_locked_blocks(long steps) {
  const libc_mutex_functions libc;
  if (!libc)
    std::exit(2);
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  for (long i = 0; i < steps; ++i) {
    libc.lock(&m);
    asm volatile("" ::: "memory");
    libc.unlock(&m);
  }
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  const long steps = std::atol(argv[2]);
  if (!std::strcmp(argv[1], "empty-atomic")) {
    empty_atomic_blocks(steps);
    return 0;
  }
  if (!std::strcmp(argv[1], "locked") || !std::strcmp(argv[1], "unattached-locked")) {
    if (!std::strcmp(argv[1], "locked"))
      stm::atomic([] {}); // attaches the thread
    std::mutex m;
    locked_blocks(m, steps);
    return 0;
  }
  if (!std::strcmp(argv[1], "libc-locked")) {
    libc_locked_blocks(steps);
    return 0;
  }
  // A circular list, so any number of steps stays inside it.
  std::vector<Node *> nodes;
  std::vector<PlainNode> plain(kNodes);
  for (int i = 0; i < kNodes; ++i)
    nodes.push_back(stm::make<Node>());
  for (int i = 0; i < kNodes; ++i) {
    stm::wr(nodes[i])->next = nodes[(i + 1) % kNodes];
    plain[i].next = &plain[(i + 1) % kNodes];
  }
  long result = 0;
  stm::atomic([&] {
    write_walk(nodes[0], kNodes); // every node takes its slow path once
    if (!std::strcmp(argv[1], "read"))
      result = read_walk(nodes[0], steps);
    else if (!std::strcmp(argv[1], "write"))
      write_walk(nodes[0], steps);
    else if (!std::strcmp(argv[1], "plain-read"))
      result = plain_read_walk(&plain[0], steps);
    else
      plain_write_walk(&plain[0], steps);
  });
  std::printf("%ld\n", result);
  return 0;
}
