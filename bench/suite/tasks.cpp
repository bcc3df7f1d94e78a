// tasks ROUNDS: OPS tasks on a transaction_queue of THREADS workers; task i
// updates the 64 fields of object i mod 1024, ROUNDS (8) times over, in a
// loop (long tasks of field updates, rarely on the same object at once).
// Check: every field holds what the updates add up to.
#include "harness.h"

struct Cell : stm::object {
  long fields[64] = {};
};

struct QueuedTasks {
  static constexpr long Cells = 1024;
  std::vector<Cell *> cells;
  long rounds;

  explicit QueuedTasks(const bench::Options &O) : rounds(O.arg(0, 8)) {
    for (long I = 0; I < Cells; ++I)
      cells.push_back(stm::make<Cell>());
  }

  void work(const bench::Options &O) {
    stm::transaction_queue Queue(O.Threads);
    for (long Task = 0; Task < O.Ops; ++Task) {
      Cell *C = cells[Task % Cells];
      long Rounds = rounds;
      Queue.add([C, Task, Rounds] {
        for (long R = 0; R < Rounds; ++R)
          for (long F = 0; F < 64; ++F)
            C->fields[F] += (Task + F) & 7;
      });
    }
    Queue.run();
  }

  bool check(const bench::Options &O) const {
    for (long I = 0; I < Cells; ++I)
      for (long F = 0; F < 64; ++F) {
        long Expected = 0;
        for (long Task = I; Task < O.Ops; Task += Cells)
          Expected += rounds * ((Task + F) & 7);
        if (cells[I]->fields[F] != Expected)
          return false;
      }
    return true;
  }
};

BENCH_MAIN_WHOLE("tasks", QueuedTasks)
