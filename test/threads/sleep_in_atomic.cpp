// A sleep inside atomic blocks: threads move amounts between the two halves
// of a managed pair in atomic blocks that sleep between the two writes, so
// x + y stays 0 for every atomic reader; readers check it in atomic blocks
// of their own. Then the same blocks as queued tasks.
#include "idiom.h"

#include <chrono>
#include <thread>
#include <vector>

namespace {

struct Pair : stm::object {
  long x = 0;
  long y = 0;
  long moves = 0;
};

void move(Pair *pair, long amount) {
  stm::atomic([&] {
    pair->x += amount;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    pair->y -= amount;
    pair->moves += 1;
  });
}

} // namespace

int main() {
  Pair *pair = stm::make<Pair>();
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; ++w)
    threads.emplace_back([pair, w] {
      for (int i = 0; i < 60; ++i) {
        move(pair, w * 100 + i);
        idiom::churn(20);
      }
    });
  long broken = 0;
  std::thread reader([pair, &broken] {
    for (int i = 0; i < 300; ++i)
      broken += stm::atomic([&] { return pair->x + pair->y != 0; });
  });
  for (std::thread &t : threads)
    t.join();
  reader.join();
  std::printf("threads: %ld moves, x %ld, x + y %ld, %ld broken reads\n", pair->moves, pair->x,
              pair->x + pair->y, broken);

  Pair *queued = stm::make<Pair>();
  stm::transaction_queue tq;
  for (int i = 0; i < 60; ++i)
    tq.add([queued](long amount) { move(queued, amount); }, i);
  tq.run();
  std::printf("tasks: %ld moves, x %ld, x + y %ld\n", queued->moves, queued->x,
              queued->x + queued->y);
  idiom::report_collections();
}
