// Segments no thread holds: the main thread makes a 16 MiB heap (131 072
// objects of 128 bytes), then THREADS threads (default 2) each add to every
// object in four atomic blocks. Prints the time and the process's peak
// resident size; run with STMIFY_SEGMENTS=2, 16, 64 and compare.
#include <stmify/stm.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

struct Record : stm::object {
  long values[14] = {};
};

int main(int argc, char **argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  if (threads < 1)
    return 2;
  std::vector<Record *> records;
  for (long i = 0; i < 128 * 1024; ++i)
    records.push_back(stm::make<Record>());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w)
    workers.emplace_back([&records, w, threads] {
      for (long round = 0; round < 4; ++round)
        for (std::size_t i = static_cast<std::size_t>(w); i < records.size();
             i += static_cast<std::size_t>(threads))
          stm::atomic([&] { records[i]->values[round] += 1; });
    });
  for (auto &t : workers)
    t.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long sum = 0;
  for (Record *r : records)
    sum += r->values[0] + r->values[1] + r->values[2] + r->values[3];
  const bool ok = sum == 4L * static_cast<long>(records.size());
  std::printf("segments=%u threads=%d secs=%.3f peak_resident=%llu MiB check=%s\n",
              stm::segment_limit(), threads, secs, stm::stats().peak_resident_bytes >> 20,
              ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
