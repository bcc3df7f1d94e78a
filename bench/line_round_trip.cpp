// What one cache line moving between two cores costs on this machine: two
// threads pass a line back and forth (each waits for the other's store, then
// stores), and the time per round trip is printed. Every commit on two
// threads moves at least the log's end and the new entry to the other core
// (docs/benchmarks.md, "What one cache line moving between the two cores
// costs here").
//
//   line_round_trip [ROUND_TRIPS]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

int main(int argc, char **argv) {
  const long trips = argc > 1 ? std::atol(argv[1]) : 2000000;
  struct alignas(64) line {
    std::atomic<long> turn{0};
  } shared;
  std::thread other([&] {
    for (long i = 0; i < trips; ++i) {
      while (shared.turn.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      shared.turn.store(2 * i + 2, std::memory_order_release);
    }
  });
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < trips; ++i) {
    shared.turn.store(2 * i + 1, std::memory_order_release);
    while (shared.turn.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const auto end = std::chrono::steady_clock::now();
  other.join();
  std::printf("%.1f ns per round trip (%ld round trips)\n",
              std::chrono::duration<double, std::nano>(end - start).count() /
                  static_cast<double>(trips),
              trips);
}
