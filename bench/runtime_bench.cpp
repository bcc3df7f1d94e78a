// Runtime microbenchmarks. Each comparison runs in the same process, one after
// the other, so ratios are taken from one run (scripts/bench.sh prints them).
#include "bench_objects.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <vector>

using namespace stmbench;

namespace {

constexpr int kListLength = 1024;

std::vector<Node *> make_list(int n) {
  std::vector<Node *> nodes;
  for (int i = 0; i < n; ++i)
    nodes.push_back(stm::make<Node>());
  for (int i = 0; i < n; ++i) {
    stm::wr(nodes[i])->key = i;
    stm::wr(nodes[i])->next = i + 1 < n ? nodes[i + 1] : nullptr;
  }
  stm::detail::ambient_boundary("benchmark setup");
  return nodes;
}

// --- barriers: a list walk, per node -------------------------------------

void BM_ReadWalk_Plain(benchmark::State &state) {
  std::vector<PlainNode> nodes(kListLength);
  for (int i = 0; i < kListLength; ++i) {
    nodes[i].key = i;
    nodes[i].next = i + 1 < kListLength ? &nodes[i + 1] : nullptr;
  }
  for (auto _ : state) {
    long sum = 0;
    for (PlainNode *n = &nodes[0]; n; n = n->next)
      sum += n->key;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kListLength);
}
BENCHMARK(BM_ReadWalk_Plain);

void BM_ReadWalk_Barrier(benchmark::State &state) {
  std::vector<Node *> nodes = make_list(kListLength);
  for (auto _ : state) {
    long sum = 0;
    for (Node *n = nodes[0]; n; n = stm::rd(n)->next)
      sum += stm::rd(n)->key;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kListLength);
}
BENCHMARK(BM_ReadWalk_Barrier);

void BM_WriteWalk_Plain(benchmark::State &state) {
  std::vector<PlainNode> nodes(kListLength);
  for (int i = 0; i + 1 < kListLength; ++i)
    nodes[i].next = &nodes[i + 1];
  for (auto _ : state) {
    for (PlainNode *n = &nodes[0]; n; n = n->next)
      n->key += 1;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kListLength);
}
BENCHMARK(BM_WriteWalk_Plain);

// Fast path only: every node was written (backed up) before timing starts.
void BM_WriteWalk_Barrier(benchmark::State &state) {
  std::vector<Node *> nodes = make_list(kListLength);
  stm::atomic([&] {
    for (Node *n : nodes)
      stm::wr(n)->key += 1;
    for (auto _ : state) {
      for (Node *n = nodes[0]; n;) {
        Node *local = stm::wr(n);
        local->key += 1;
        n = local->next;
      }
      benchmark::ClobberMemory();
    }
  });
  state.SetItemsProcessed(state.iterations() * kListLength);
}
BENCHMARK(BM_WriteWalk_Barrier);

// --- transactions ---------------------------------------------------------

void BM_EmptyAtomicBlock(benchmark::State &state) {
  for (auto _ : state)
    stm::atomic([] {});
}
BENCHMARK(BM_EmptyAtomicBlock);

// A std::mutex in this program: the runtime intercepts the lock and the
// unlock, in a thread attached to it (as every thread of a program built
// with the plugin is; run alone, this benchmark would find it unattached).
void BM_EmptyLockedBlock(benchmark::State &state) {
  stm::atomic([] {}); // attaches the thread
  static std::mutex lock;
  for (auto _ : state) {
    std::lock_guard<std::mutex> guard(lock);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_EmptyLockedBlock);

// The same with the C library's own functions, as in a program without the
// runtime.
void BM_EmptyLockedBlockWithoutTheRuntime(benchmark::State &state) {
  const libc_mutex_functions libc;
  if (!libc) {
    state.SkipWithError("the C library's pthread_mutex_lock was not found");
    return;
  }
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  for (auto _ : state) {
    libc.lock(&m);
    benchmark::ClobberMemory();
    libc.unlock(&m);
  }
}
BENCHMARK(BM_EmptyLockedBlockWithoutTheRuntime);

// An atomic block that writes k objects (each backed up, logged and
// published).
void BM_CommitWrites(benchmark::State &state) {
  const int k = static_cast<int>(state.range(0));
  std::vector<Cell *> cells;
  for (int i = 0; i < k; ++i)
    cells.push_back(stm::make<Cell>());
  stm::detail::ambient_boundary("benchmark setup");
  for (auto _ : state)
    stm::atomic([&] {
      for (Cell *c : cells)
        stm::wr(c)->value += 1;
    });
  state.SetItemsProcessed(state.iterations() * k);
}
BENCHMARK(BM_CommitWrites)->Arg(1)->Arg(4)->Arg(16)->Arg(64);

// --- allocation and collection ---------------------------------------------

struct PlainCell {
  long value = 0;
  long pad = 0;
};

// Allocation of short-lived 32-byte objects: stm::make (the collector frees
// them; its time is included) against new/delete and malloc/free.
void BM_Allocate_Managed(benchmark::State &state) {
  stm::collect();
  const stm::statistics before = stm::stats();
  for (auto _ : state) {
    Cell *c = stm::make<Cell>();
    benchmark::DoNotOptimize(c);
    if ((state.iterations() & 255) == 0)
      stm::detail::safe_point();
  }
  const stm::statistics after = stm::stats();
  const double collections = static_cast<double>(after.collections - before.collections);
  state.counters["collections"] = collections;
  state.counters["avg_pause_ms"] =
      collections ? static_cast<double>(after.gc_pause_ns - before.gc_pause_ns) / collections / 1e6
                  : 0;
  state.counters["max_pause_ms"] = static_cast<double>(after.gc_max_pause_ns) / 1e6;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Allocate_Managed)->Iterations(20000000);

void BM_Allocate_NewDelete(benchmark::State &state) {
  for (auto _ : state) {
    PlainCell *c = new PlainCell;
    benchmark::DoNotOptimize(c);
    delete c;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Allocate_NewDelete);

void BM_Allocate_MallocFree(benchmark::State &state) {
  for (auto _ : state) {
    void *p = std::malloc(32);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Allocate_MallocFree);

// Collection pause with a live heap of `range(0)` MiB of 32-byte list nodes
// (0: the fixed cost of every collection, mostly the scan of the program's
// memory for roots).
void BM_CollectionPause(benchmark::State &state) {
  const long nodes = state.range(0) * (1 << 20) / 32;
  std::vector<Node *> heads;
  Node *head = nullptr;
  for (long i = 0; i < nodes; ++i) {
    Node *n = stm::make<Node>();
    stm::wr(n)->next = head;
    head = n;
    if (i % 4096 == 0) {
      heads.push_back(head);
      head = nullptr;
    }
  }
  stm::detail::ambient_boundary("benchmark setup");
  for (auto _ : state)
    stm::collect();
  state.counters["live_MiB"] = static_cast<double>(stm::stats().live_bytes) / (1 << 20);
  benchmark::DoNotOptimize(heads.data());
}
BENCHMARK(BM_CollectionPause)->Arg(0)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond);

// --- transaction queue ------------------------------------------------------

// Independent tasks: each computes for a while and writes its own object, as a
// TransactionQueue workload with no true sharing. The same tasks run with 1
// and with 2 workers inside every iteration; the counters give both
// throughputs and their ratio.
std::uint64_t compute(std::uint64_t seed, int rounds) {
  std::uint64_t h = seed;
  for (int i = 0; i < rounds; ++i)
    h = (h ^ static_cast<std::uint64_t>(i)) * 0x100000001b3ULL;
  return h;
}

double run_queue(const std::vector<Cell *> &cells, unsigned workers, int rounds) {
  stm::transaction_queue tq(workers);
  for (Cell *c : cells)
    tq.add([c, rounds] {
      stm::wr(c)->value += static_cast<long>(compute(stm::rd(c)->value, rounds) & 1);
    });
  auto start = std::chrono::steady_clock::now();
  tq.run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void BM_QueueIndependentTasks(benchmark::State &state) {
  const int tasks = 4000;
  const int rounds = static_cast<int>(state.range(0));
  std::vector<Cell *> cells;
  for (int i = 0; i < tasks; ++i)
    cells.push_back(stm::make<Cell>());
  stm::detail::ambient_boundary("benchmark setup");
  double one = 0, two = 0;
  for (auto _ : state) {
    one += run_queue(cells, 1, rounds);
    two += run_queue(cells, 2, rounds);
  }
  const double n = static_cast<double>(state.iterations()) * tasks;
  state.counters["tasks_per_s_1_worker"] = n / one;
  state.counters["tasks_per_s_2_workers"] = n / two;
  state.counters["speedup_2_vs_1"] = one / two;
}
BENCHMARK(BM_QueueIndependentTasks)
    ->Arg(2000)
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

} // namespace

BENCHMARK_MAIN();
