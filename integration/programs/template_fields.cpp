// Templates that write parts of managed objects: nested struct fields, array
// elements of array members, elements of arrays of structs. Four threads
// update one object in atomic blocks; every update only adds, so the totals
// do not depend on the order.
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>
#include <vector>

struct Vec2 {
  long x = 0, y = 0;
};
struct Frame {
  Vec2 origin;
};

template <class T> struct Particles : stm::object {
  Vec2 center;
  Frame frame;
  Vec2 points[4];
  T weights[4] = {};
  T grid[2][2] = {};
  void weigh(int i, T by) { weights[i] += by; }
};

template <class P> void step(P *p, int i) {
  p->center.x = p->center.x + 1;
  ++p->frame.origin.y;
  p->points[i % 4].x += 2;
  (*p).center.y -= 1;
  p->grid[i % 2][1] += 3;
  p->weigh(i % 4, 1);
}

template <class P> long total(const P *p) {
  long sum = p->center.x + p->center.y + p->frame.origin.y;
  for (int k = 0; k < 4; ++k)
    sum += p->points[k].x + p->weights[k];
  return sum + p->grid[0][1] + p->grid[1][1];
}

int main() {
  constexpr int kThreads = 4, kSteps = 1000;
  auto *p = stm::make<Particles<long>>();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([p] {
      for (int i = 0; i < kSteps; ++i)
        stm::atomic([&] { step(p, i); });
    });
  for (auto &th : threads)
    th.join();
  long n = kThreads * kSteps;
  std::printf("center %ld %ld origin %ld points %ld %ld weights %ld grid %ld total %ld\n",
              p->center.x, p->center.y, p->frame.origin.y, p->points[0].x, p->points[3].x,
              p->weights[2], p->grid[1][1], total(p));
  // Each step adds 1 - 1 (center) + 1 (origin) + 2 (points) + 3 (grid) + 1 (weights).
  return p->center.x == n && p->frame.origin.y == n && total(p) == 7 * n ? 0 : 1;
}
