// Compiled with the stmify plugin: where an abort of an atomic block may and
// may not leave a function.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <thread>

// Handshakes between the test's threads (abort_environment.cpp).
STM_TX_SAFE void reach_stage(int stage);
STM_TX_SAFE void wait_for_stage(int stage);
STM_TX_SAFE int count_attempt();
STM_TX_SAFE int attempts();
void reset_handshakes(); // before a test's threads start

namespace {

struct Cell : stm::object {
  long v = 0;
  long sum = 0;
};

// Not noexcept itself: its safe points may throw an abort, except while a
// destructor (or a noexcept function) runs it.
long total(Cell *c, int times) {
  long s = 0;
  for (int i = 0; i < times; ++i)
    s += c->v;
  return s;
}

struct Summary {
  Cell *in, *out;
  ~Summary() { out->sum = total(in, 10); }
};

// The block has lost a conflict when the destructor runs, and the destructor
// calls a function whose safe points see it: the abort must wait for a point
// outside the destructor (an abort thrown through it would terminate).
TEST(PluginAborts, AnAbortNeverLeavesADestructorThroughAFunctionItCalls) {
  Cell *x = stm::make<Cell>();
  Cell *out = stm::make<Cell>();
  std::thread writer([x] {
    wait_for_stage(1);
    stm::atomic([x] { x->v = 1; });
    reach_stage(2);
  });
  stm::atomic([&] {
    const long seen = x->v;
    if (count_attempt() == 1) {
      reach_stage(1);
      wait_for_stage(2); // the writer has committed x: this attempt lost
    }
    Summary s{x, out};
    out->v = seen;
  });
  writer.join();
  EXPECT_EQ(attempts(), 2);
  EXPECT_EQ(out->v, 1);
  EXPECT_EQ(out->sum, 10);
}

struct Tally {
  long calls = 0;
  long total = 0;
  void add(long amount) {
    calls += 1;
    total += amount;
  }
};

// In a template, a call whose arguments depend on its parameters names no
// function until the template is instantiated. The first attempt of this
// block loses a conflict before it calls a method of the caller's tally:
// the block must become inevitable before the call (an object it does not
// own), so that the lost attempt is not counted.
template <class C> void add_after_handshake(C *counter, Cell *x, Tally &tally) {
  stm::atomic([&] {
    const long seen = x->v;
    if (count_attempt() == 1) {
      reach_stage(1);
      wait_for_stage(2); // the writer has committed x: this attempt lost
    }
    tally.add(counter->v + seen);
  });
}

TEST(PluginAborts, ATemplatesDependentMethodCallOnACallersObjectIsNotRepeated) {
  Cell *x = stm::make<Cell>();
  Cell *counter = stm::make<Cell>();
  Tally tally;
  reset_handshakes();
  std::thread writer([x] {
    wait_for_stage(1);
    stm::atomic([x] { x->v = 1; });
    reach_stage(2);
  });
  add_after_handshake(counter, x, tally);
  writer.join();
  EXPECT_EQ(attempts(), 2);
  EXPECT_EQ(tally.calls, 1);
  EXPECT_EQ(tally.total, 1);
}

} // namespace
