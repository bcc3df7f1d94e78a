// std::latch: each worker makes its managed cell, arrives at a start latch
// and waits for all (arrive_and_wait), then reads its neighbour's cell (made
// by another thread), writes its own, and counts down a done latch that main
// waits on before it reads every cell.
#include "idiom.h"

#include <latch>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;

struct Cell : stm::object {
  long seed;
  long mixed = 0;
  explicit Cell(long seed) : seed(seed) {}
};

} // namespace

int main() {
  long sum = 0;
  for (int round = 0; round < 20; ++round) {
    std::vector<Cell *> cells(workers, nullptr);
    std::latch ready(workers);
    std::latch done(workers);
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
      threads.emplace_back([&, w] {
        cells[w] = stm::make<Cell>(round * 100 + w);
        idiom::churn(20);
        ready.arrive_and_wait();
        Cell *neighbour = cells[(w + 1) % workers];
        cells[w]->mixed = cells[w]->seed * 1000 + neighbour->seed;
        done.count_down();
        idiom::churn(20);
      });
    done.wait();
    for (Cell *cell : cells)
      sum += cell->mixed;
    for (std::thread &t : threads)
      t.join();
  }
  std::printf("threads: sum %ld\n", sum);
  idiom::report_collections();
}
