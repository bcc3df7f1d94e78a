// std::barrier: workers smooth a ring of managed cells in phases. In each
// phase a worker reads its cells' neighbours from the current generation (some
// written by other workers in the phase before) and writes the next
// generation's cells; arrive_and_wait separates the phases, and the
// completion function counts them in a managed object.
#include "idiom.h"

#include <barrier>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int cells_per_worker = 8;
constexpr int cells = workers * cells_per_worker;
constexpr int phases = 60;

struct Cell : stm::object {
  long value;
  explicit Cell(long value) : value(value) {}
};

struct Progress : stm::object {
  long phases = 0;
};

} // namespace

int main() {
  std::vector<Cell *> generation[2];
  for (int i = 0; i < cells; ++i) {
    generation[0].push_back(stm::make<Cell>(i * i % 37));
    generation[1].push_back(stm::make<Cell>(0));
  }
  Progress *progress = stm::make<Progress>();
  auto completed = [progress]() noexcept { progress->phases += 1; };
  std::barrier sync(workers, completed);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      for (int phase = 0; phase < phases; ++phase) {
        std::vector<Cell *> &now = generation[phase % 2];
        std::vector<Cell *> &next = generation[(phase + 1) % 2];
        for (int i = w * cells_per_worker; i < (w + 1) * cells_per_worker; ++i)
          next[i]->value = (now[(i + cells - 1) % cells]->value + 2 * now[i]->value +
                            now[(i + 1) % cells]->value) %
                           1000003;
        idiom::churn(10);
        sync.arrive_and_wait();
      }
    });
  for (std::thread &t : threads)
    t.join();
  long sum = 0;
  for (Cell *cell : generation[phases % 2])
    sum = sum * 31 % 1000000007 + cell->value;
  std::printf("threads: %ld phases, checksum %ld\n", progress->phases, sum);
  idiom::report_collections();
}
