// Accessors of managed classes as users write them: operator[] returning a
// reference to an element, const-reference getters, a getter returning a
// struct member whose methods are called, an accessor built on another, and
// the same in a class template. Four threads update one table in atomic
// blocks (they conflict), outside blocks and in queued tasks; every total
// must come out exact.
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>
#include <vector>

struct Stats {
  long count = 0;
  long sum = 0;
  void add(long v) {
    ++count;
    sum += v;
  }
};

struct Table : stm::object {
  long cells[16] = {};
  Stats stats;
  long &operator[](int i) { return cells[i]; }
  const long &operator[](int i) const { return cells[i]; }
  const long &cell(int i) const { return cells[i]; }
  Stats &summary() { return stats; }
  const Stats &summary() const { return stats; }
  long &first() { return (*this)[0]; }
};

template <class T, int N> struct Ring : stm::object {
  T slots[N] = {};
  int next = 0;
  T &at(int i) { return slots[i % N]; }
  const T &peek(int i) const { return slots[i % N]; }
};

constexpr int kThreads = 4, kRounds = 400;

long total_of(const Table *t) {
  long total = 0;
  for (int i = 0; i < 16; ++i)
    total += t->cell(i);
  return total;
}

int main() {
  Table *table = stm::make<Table>();
  Ring<long, 8> *ring = stm::make<Ring<long, 8>>();
  std::vector<std::thread> threads;
  std::vector<long> own_totals(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([=, &own_totals] {
      Table *own = stm::make<Table>();
      for (int i = 0; i < kRounds; ++i) {
        stm::atomic([&] {
          (*table)[(t + i) % 16] += 2;
          table->first() += 1;
          table->summary().add(i);
          long &slot = ring->at(i);
          slot += 1;
        });
        // Outside blocks, on this thread's own table: a reference used where
        // nothing can move the thread.
        {
          long &mine = (*own)[(t * 3 + i) % 16];
          mine += 1;
        }
        own->first() -= 1;
      }
      own_totals[t] = total_of(own);
      stm::transaction_queue tq;
      for (int i = 0; i < kRounds; ++i)
        tq.add(
            [](Table *tb, Ring<long, 8> *r, int k) {
              (*tb)[k % 16] += 1;
              r->at(k) += 1;
            },
            table, ring, i);
      tq.run();
    });
  for (std::thread &th : threads)
    th.join();

  long cells = 0, count = 0, sum = 0, slots = 0, first = 0;
  stm::atomic([&] {
    const Table *view = table;
    cells = total_of(view);
    count = view->summary().count;
    sum = view->summary().sum;
    first = (*view)[0];
    for (int i = 0; i < 8; ++i)
      slots += ring->peek(i);
  });
  std::printf("cells %ld, count %ld, sum %ld, slots %ld\n", cells, count, sum, slots);
  const long n = kThreads * kRounds;
  bool exact = cells == 2 * n + n + n && count == n &&
               sum == kThreads * (kRounds * (kRounds - 1) / 2) && slots == 2 * n && first > 0;
  for (long own : own_totals)
    exact = exact && own == 0;
  if (!exact)
    std::printf("WRONG: an update was lost or repeated\n");
  return exact ? 0 : 1;
}
