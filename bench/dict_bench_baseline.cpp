#include "dict_bench_baseline.h"

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace baseline {

double insert_map(unsigned threads, long ops) {
  std::unordered_map<long, long> values;
  std::mutex lock;
  const double secs = seconds(threads, [&](unsigned t) {
    for (long i = 0; i < ops; ++i) {
      const long key = long(t) * ops + i;
      std::lock_guard<std::mutex> guard(lock);
      values[key] = i;
    }
  });
  if (values.size() != std::size_t(threads) * std::size_t(ops))
    std::abort();
  return secs;
}

double mixed_map(unsigned threads, long ops, long keys) {
  std::unordered_map<long, long> values;
  for (long k = 0; k < keys; ++k)
    values[k] = k;
  std::mutex lock;
  long found = 0;
  const double secs = seconds(threads, [&](unsigned t) {
    unsigned long x = 88172645463325252ull + t;
    long hits = 0;
    for (long i = 0; i < ops; ++i) {
      long key = 0;
      const bool update = next_key(x, keys, key);
      std::lock_guard<std::mutex> guard(lock);
      if (update) {
        values[key] += 1;
      } else {
        const auto it = values.find(key);
        hits += it != values.end();
      }
    }
    std::lock_guard<std::mutex> guard(lock);
    found += hits;
  });
  if (found == 0)
    std::abort();
  return secs;
}

} // namespace baseline
