// A fixture whose test body drives several runtime threads from one OS thread.
#ifndef STMIFY_TEST_RUNTIME_VIRTUAL_THREADS_H
#define STMIFY_TEST_RUNTIME_VIRTUAL_THREADS_H

#include "objects.h"
#include "testing.h"

#include <gtest/gtest.h>

#include <vector>

namespace stmtest {

class VirtualThreads : public ::testing::Test {
protected:
  void SetUp() override {
    home_ = stm::testing::current();
    stm::testing::detach_current(); // hold no segment while the test runs
    stm::testing::never_block(true);
    for (int i = 0; i < 3; ++i)
      threads_.push_back(stm::testing::new_thread());
  }
  void TearDown() override {
    for (auto *t : threads_) {
      stm::testing::switch_to(t);
      if (stm::is_inevitable())
        EXPECT_EQ(stm_commit_transaction(), 0);
      else if (stm::is_atomic())
        stm_abort_transaction();
      stm::testing::detach_current();
    }
    stm::testing::never_block(false);
    stm::testing::switch_to(home_);
  }
  // The calling OS thread acts as runtime thread i from now on. Like code
  // from the transformer, it passes a safe point first (which attaches it).
  void as(int i) {
    stm::testing::switch_to(threads_[i]);
    stm::detail::safe_point_nothrow();
  }

  // A committed cell, created by thread 0 outside atomic blocks.
  Cell *committed_cell(long value) {
    as(0);
    Cell *c = stm::make<Cell>();
    set(c, value);
    stm::detail::ambient_boundary("test setup");
    return c;
  }

  // Every thread imports what was committed, and the log frees what all
  // have seen.
  void all_catch_up() {
    for (int i = 0; i < static_cast<int>(threads_.size()); ++i) {
      as(i);
      stm::detail::ambient_boundary("catch up");
    }
    stm::testing::reclaim_log();
  }

  // Thread 1 writes c's `other` outside atomic blocks, then thread 2 commits
  // c's `value`; thread 1 has not imported that commit yet.
  Cell *commit_after_own_write(long other, long value) {
    Cell *c = committed_cell(0);
    as(1);
    stm::wr(c)->other = other;
    as(2);
    stm_start_transaction();
    set(c, value);
    EXPECT_EQ(stm_commit_transaction(), 0);
    return c;
  }

private:
  stm::testing::thread *home_ = nullptr;
  std::vector<stm::testing::thread *> threads_;
};

} // namespace stmtest

#endif
