// Value-type members with operators, static members, an stm::array of
// references, std::map and std::sort over managed references: a physics-like
// step run by 4 threads, 200 atomic blocks each, on disjoint bodies.
#include <algorithm>
#include <cstdio>
#include <map>
#include <stmify/stm.hpp>
#include <thread>
#include <vector>

struct Vec2 {
  double x = 0, y = 0;
  Vec2 operator+(const Vec2 &o) const { return {x + o.x, y + o.y}; }
};

struct Body : stm::object {
  Vec2 pos, vel;
  long id;
  Body *partner = nullptr;
  static long created;
  explicit Body(long i) : id(i) { ++created; }
  void step(double dt) { pos = pos + Vec2{vel.x * dt, vel.y * dt}; }
  Body &operator+=(const Vec2 &v) {
    vel = vel + v;
    return *this;
  }
  bool operator<(const Body &o) const { return id < o.id; }
  long key() const { return id; }
};
long Body::created = 0;

struct World : stm::object {
  stm::array<Body *> *bodies = nullptr;
  long steps = 0;
};

template <class T> T clamp_to(T v, T lo, T hi) { return std::min(std::max(v, lo), hi); }

int main() {
  World *w = stm::make<World>();
  w->bodies = stm::make_array<Body *>(64);
  for (long i = 0; i < 64; ++i) {
    Body *b = stm::make<Body>(i);
    b->vel = Vec2{1.0 * i, 2.0};
    w->bodies->set(i, b);
  }
  std::map<long, Body *> index;
  for (long i = 0; i < 64; ++i)
    index[i] = w->bodies->get(i);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([w, t] {
      for (int r = 0; r < 200; ++r)
        stm::atomic([&] {
          for (long i = t; i < 64; i += 4) {
            Body *b = w->bodies->get(i);
            b->step(0.5);
            *b += Vec2{0.1, 0};
            b->partner = w->bodies->get((i + 1) % 64);
          }
          w->steps++;
        });
    });
  for (auto &th : ts)
    th.join();
  std::vector<Body *> sorted;
  for (auto &[k, b] : index)
    sorted.push_back(b);
  std::sort(sorted.begin(), sorted.end(), [](Body *a, Body *b) { return b->key() < a->key(); });
  double sx = 0;
  for (Body *b : sorted)
    sx += b->pos.x;
  long c = clamp_to<long>(w->steps, 0, 1000);
  std::printf("steps %ld clamp %ld first %ld sx %.1f created %ld\n", w->steps, c,
              sorted.front()->key(), sx, Body::created);
  return w->steps == 800 ? 0 : 1;
}
