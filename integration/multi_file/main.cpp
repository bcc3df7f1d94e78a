// Three threads add items to one bag in atomic blocks; two translation units.
#include "bag.h"
#include <cstdio>
#include <thread>
#include <vector>
int main() {
  Bag *b = stm::make<Bag>();
  std::vector<std::thread> ts;
  for (int t = 0; t < 3; ++t)
    ts.emplace_back([b, t] {
      for (int i = 0; i < 500; ++i)
        stm::atomic([&] { b->add(t * 1000 + i); });
    });
  for (auto &th : ts)
    th.join();
  long direct = 0;
  b->each([&](long v) { direct += v; });
  std::printf("count %ld total %ld direct %ld\n", b->count, b->total(), direct);
  return b->count == 1500 && direct == b->total() ? 0 : 1;
}
