// A fixture whose test body drives one runtime thread per segment from one
// OS thread, so that every segment can be held at once.
#ifndef STMIFY_TEST_RUNTIME_SEGMENT_THREADS_H
#define STMIFY_TEST_RUNTIME_SEGMENT_THREADS_H

#include "objects.h"
#include "testing.h"

#include <gtest/gtest.h>

#include <vector>

namespace stmtest {

// All give their segments back at the end (the tests of a binary share them).
class SegmentThreads : public ::testing::Test {
protected:
  void SetUp() override {
    home_ = stm::testing::current();
    stm::testing::detach_current();
    stm::testing::never_block(true);
    for (unsigned i = 0; i < stm::segment_limit(); ++i)
      threads_.push_back(stm::testing::new_thread());
  }
  void TearDown() override {
    for (auto *t : threads_) {
      stm::testing::switch_to(t);
      if (stm::is_atomic())
        stm_abort_transaction();
      stm::testing::detach_current();
    }
    stm::testing::never_block(false);
    stm::testing::switch_to(home_);
  }
  // The calling OS thread acts as runtime thread i (which attaches at its
  // first safe point).
  void as(std::size_t i) {
    stm::testing::switch_to(threads_[i]);
    stm::detail::safe_point_nothrow();
  }
  // Thread i's view brought up to date with the log.
  void refreshed(std::size_t i) {
    as(i);
    stm::detail::ambient_boundary("refresh");
  }

  std::vector<stm::testing::thread *> threads_;
  stm::testing::thread *home_ = nullptr;
};

} // namespace stmtest

#endif
