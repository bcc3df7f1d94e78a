// Dictionary throughput: stm::dict in atomic blocks on 1 and 2 threads,
// against a std::unordered_map under one std::mutex (compiled without the
// plugin, in dict_bench_baseline.cpp) on the same threads, in the same run.
// Built with the plugin (dict_bench) and without it (dict_bench_fallback,
// where stm::dict is a std::unordered_map under the global lock of
// stm::atomic). Two workloads, each one operation per transaction:
//   insert  every thread adds its own distinct keys to an empty table;
//   mixed   on a table of 100 000 keys: 90 % lookups, 10 % updates of values.
// Usage: dict_bench [OPS per thread] (default 400 000).
#include "dict_bench_baseline.h"

#include <stmify/stm.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

constexpr long kTableKeys = 100000;

struct Table : stm::object {
  stm::dict<long, long> values;
};

double insert_dict(unsigned threads, long ops) {
  Table *table = stm::make<Table>();
  const double secs = baseline::seconds(threads, [&](unsigned t) {
    for (long i = 0; i < ops; ++i) {
      const long key = long(t) * ops + i;
      stm::atomic([&] { table->values[key] = i; });
    }
  });
  if (table->values.size() != std::size_t(threads) * std::size_t(ops))
    std::abort();
  return secs;
}

double mixed_dict(unsigned threads, long ops) {
  Table *table = stm::make<Table>();
  for (long k = 0; k < kTableKeys; ++k)
    table->values[k] = k;
  long found = 0;
  const double secs = baseline::seconds(threads, [&](unsigned t) {
    unsigned long x = 88172645463325252ull + t;
    long hits = 0;
    for (long i = 0; i < ops; ++i) {
      long key = 0;
      if (baseline::next_key(x, kTableKeys, key))
        stm::atomic([&] { table->values[key] += 1; });
      else
        hits += stm::atomic([&] { return table->values.get(key, -1); }) >= 0;
    }
    stm::atomic([&] { found += hits; });
  });
  if (found == 0)
    std::abort();
  return secs;
}

void report(const char *workload, unsigned threads, long ops, double dict, double map) {
  const double total = double(threads) * double(ops);
  std::printf("%-6s %u thread%s  stm::dict %6.2f Mops/s  "
              "std::unordered_map+mutex %6.2f Mops/s  "
              "dict/map %.2f\n",
              workload, threads, threads == 1 ? " " : "s", total / dict / 1e6, total / map / 1e6,
              map / dict);
}

} // namespace

int main(int argc, char **argv) {
  const long ops = argc > 1 ? std::atol(argv[1]) : 400000;
  std::printf("build: %s, segments: %u, %ld operations per thread\n",
              stm::instrumented ? "plugin" : "fallback", stm::segment_limit(), ops);
  double one[2] = {}, two[2] = {};
  for (unsigned threads = 1; threads <= 2; ++threads) {
    const double dict = insert_dict(threads, ops);
    const double map = baseline::insert_map(threads, ops);
    report("insert", threads, ops, dict, map);
    (threads == 1 ? one : two)[0] = dict;
  }
  for (unsigned threads = 1; threads <= 2; ++threads) {
    const double dict = mixed_dict(threads, ops);
    const double map = baseline::mixed_map(threads, ops, kTableKeys);
    report("mixed", threads, ops, dict, map);
    (threads == 1 ? one : two)[1] = dict;
  }
  // Twice the work in the time of: 2.0 is perfect scaling.
  std::printf("stm::dict, 2 threads vs 1: insert %.2fx, mixed %.2fx\n", 2 * one[0] / two[0],
              2 * one[1] / two[1]);
  const stm::statistics s = stm::stats();
  std::printf("commits %llu, aborts %llu (%.2f %%)\n", s.commits, s.aborts,
              100.0 * double(s.aborts) / double(s.commits + s.aborts));
}
