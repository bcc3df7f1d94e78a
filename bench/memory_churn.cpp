// Memory under churn: two threads replace the objects that 4096 slots hold,
// 1.6 million times in all (400 MiB of objects made, about 1 MiB alive at any
// time). Prints the time and the process's peak resident size; the number of
// collections shows the pacing. Run with the default STMIFY_HEAP_LIMIT.
#include <stmify/stm.hpp>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

struct Blob : stm::object {
  long words[30] = {};
};

struct Slot : stm::object {
  Blob *blob = nullptr;
};

int main() {
  std::vector<Slot *> slots;
  for (int k = 0; k < 4096; ++k)
    slots.push_back(stm::make<Slot>());
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 2; ++t)
    threads.emplace_back([&slots, t] {
      for (long i = 0; i < 800000; ++i) {
        Slot *slot = slots[(static_cast<unsigned long>(i) * 2654435761u + t) % slots.size()];
        stm::atomic([&] {
          Blob *b = stm::make<Blob>();
          b->words[0] = i;
          slot->blob = b;
        });
      }
    });
  for (std::thread &t : threads)
    t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long alive = 0;
  for (Slot *slot : slots)
    alive += slot->blob != nullptr;
  const stm::statistics stats = stm::stats();
  std::printf("%.3f s, peak resident %llu MiB, %llu collections, %ld slots filled\n", secs,
              stats.peak_resident_bytes >> 20, stats.collections, alive);
  return alive == 4096 ? 0 : 1;
}
