// Elements of array fields whose index a helper computes, outside atomic
// blocks: `ledger->slots[slot_of(*ledger, i)] += amount`. C++ evaluates the
// object before the index, and the helper loops, so it has safe points where
// a thread outside atomic blocks may continue in another segment: the
// element is reached after the index, in the segment the thread is in then.
// Six threads, each with its own ledger (more threads than segments on one
// segment and on four), and one shared tally updated in atomic blocks.
#include <stmify/stm.hpp>

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

constexpr int threads = 6;
constexpr int rounds = 3000;
constexpr unsigned slot_count = 8;

struct Grid {
  long cells[4][slot_count] = {};
};

struct Ledger : stm::object {
  long slots[slot_count] = {};
  Grid grid;
  long salt = 1;
};

struct Tally : stm::object {
  long counts[slot_count] = {};
};

// Loops: a safe point at each turn.
unsigned slot_of(const Ledger &ledger, long i) {
  long mixed = i;
  for (int turn = 0; turn < 3; ++turn)
    mixed = mixed * 31 + ledger.salt + turn;
  return static_cast<unsigned>(mixed % slot_count);
}

unsigned row_of(long i) {
  unsigned row = 0;
  for (long k = i; k > 0; k /= 4)
    row = (row + static_cast<unsigned>(k % 4)) % 4;
  return row;
}

void work(Ledger *ledger, Tally *tally, long id) {
  long seen = 0;
  for (long i = 0; i < rounds; ++i) {
    ledger->slots[slot_of(*ledger, i)] += id + i % 7;
    ledger->grid.cells[row_of(i)][slot_of(*ledger, i + 1)] += 1;
    seen += ledger->slots[slot_of(*ledger, i + 2)];
    if (i % 100 == 0)
      stm::atomic([&] { tally->counts[slot_of(*ledger, i)] += 1; });
  }
  ledger->salt = seen % 1000;
}

} // namespace

int main() {
  Tally *tally = stm::make<Tally>();
  std::vector<Ledger *> ledgers;
  std::vector<std::thread> workers;
  for (long id = 0; id < threads; ++id) {
    ledgers.push_back(stm::make<Ledger>());
    workers.emplace_back(work, ledgers.back(), tally, id);
  }
  for (std::thread &worker : workers)
    worker.join();
  long total = 0, cells = 0, salts = 0, tallied = 0;
  for (const Ledger *ledger : ledgers) {
    for (long value : ledger->slots)
      total += value;
    for (unsigned row = 0; row < 4; ++row)
      for (unsigned slot = 0; slot < slot_count; ++slot)
        cells += ledger->grid.cells[row][slot];
    salts += ledger->salt;
  }
  for (long count : tally->counts)
    tallied += count;
  std::printf("indexed fields: total %ld, cells %ld, salts %ld, tallied %ld\n", total, cells, salts,
              tallied);
  long expected_total = 0;
  for (long id = 0; id < threads; ++id)
    for (long i = 0; i < rounds; ++i)
      expected_total += id + i % 7;
  return total == expected_total && cells == threads * rounds && tallied == threads * (rounds / 100)
             ? EXIT_SUCCESS
             : EXIT_FAILURE;
}
