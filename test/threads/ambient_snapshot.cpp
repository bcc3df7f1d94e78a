// A reader outside atomic blocks reads two fields that atomic blocks keep in
// balance (x + y == 0). Between the two reads it keeps a running median of
// the x values it saw (library code: a sort of a local array) and writes the
// median into an object of its own: straight-line code, with no call of
// instrumented code and no loop of its own. Straight-line code outside atomic
// blocks must read one snapshot, so the reader must always see x + y == 0.
// The reader pauses between rounds, and the writers commit meanwhile.
//
// Without the plugin the reader's reads race with the atomic blocks (those
// take a lock the reader does not), so this program has no fallback build.
#include "idiom.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

constexpr long rounds = 1000;

struct Pair : stm::object {
  long x = 0;
  long y = 0;
};

struct Statistics : stm::object {
  long median_x = 0;
};

std::atomic<bool> reading{true};

} // namespace

int main() {
  Pair *pair = stm::make<Pair>();
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([pair, w] {
      while (reading.load(std::memory_order_relaxed))
        stm::atomic([&] {
          pair->x += w + 1;
          pair->y -= w + 1;
        });
    });
  long broken = 0;
  std::thread reader([pair, &broken] {
    Statistics *statistics = stm::make<Statistics>();
    std::array<long, 256> recent{};
    for (long round = 0; round < rounds; ++round) {
      if (round % 10 == 0)
        idiom::churn(10);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      long x = pair->x;
      recent[round % recent.size()] = x;
      std::array<long, 256> sorted = recent;
      std::sort(sorted.begin(), sorted.end());
      statistics->median_x = sorted[sorted.size() / 2];
      long y = pair->y;
      broken += x + y != 0;
    }
  });
  reader.join();
  reading = false;
  for (std::thread &t : writers)
    t.join();
  std::printf("%s\n", broken == 0 ? "the reader always saw x + y == 0" : "the reader saw x + y != 0");
  std::fprintf(stderr, "%ld of %ld reads saw x + y != 0\n", broken, rounds);
  idiom::report_collections();
}
