// The baseline of dict_bench: a std::unordered_map under one std::mutex,
// compiled without the plugin. Each function returns the seconds it took.
#ifndef STMIFY_BENCH_DICT_BENCH_BASELINE_H
#define STMIFY_BENCH_DICT_BENCH_BASELINE_H

#include <chrono>
#include <thread>
#include <vector>

namespace baseline {
double insert_map(unsigned threads, long ops);
double mixed_map(unsigned threads, long ops, long keys);

// The keys of the mixed workload: xorshift, the same sequence in both
// programs; true (one time in 10) when the operation is an update.
inline bool next_key(unsigned long &x, long keys, long &key) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  key = static_cast<long>(x % static_cast<unsigned long>(keys));
  return x % 10 == 0;
}

// The seconds `threads` threads take to run work(thread index).
template <class F> double seconds(unsigned threads, F &&work) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> running;
  for (unsigned t = 0; t < threads; ++t)
    running.emplace_back(work, t);
  for (std::thread &t : running)
    t.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
} // namespace baseline

#endif
