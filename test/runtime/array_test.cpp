// stm::array: element access with barriers, and per-card write tracking for
// long arrays.
#include "virtual_threads.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace stmtest {
namespace {

using Arrays = VirtualThreads;
using stm::testing::backed_up_bytes;
using stm::testing::backed_up_pieces;

stm::array<long> *committed_array(std::size_t n) {
  stm::array<long> *a = stm::make_array<long>(n);
  for (std::size_t i = 0; i < n; ++i)
    stm::loc(a)->set(i, static_cast<long>(i));
  publish();
  return a;
}

TEST_F(Arrays, ShortArraysAreBackedUpWhole) {
  as(0);
  stm::array<long> *a = committed_array(16);
  as(1);
  stm_start_transaction();
  stm::loc(a)->set(3, 30);
  stm::loc(a)->set(9, 90);
  EXPECT_EQ(backed_up_pieces(), 1u);
  EXPECT_GE(backed_up_bytes(), 16 * sizeof(long));
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  EXPECT_EQ(stm::loc(a)->get(3), 30);
  EXPECT_EQ(stm::loc(a)->get(9), 90);
  EXPECT_EQ(stm::loc(a)->size(), 16u);
}

TEST_F(Arrays, LongArraysBackUpOnlyTheCardsWritten) {
  as(0);
  stm::array<long> *a = committed_array(100000); // 800 KB
  as(1);
  stm_start_transaction();
  stm::loc(a)->set(10, -1);
  EXPECT_EQ(backed_up_bytes(), 512u) << "one card, not the whole array";
  stm::loc(a)->set(20, -2); // same card: nothing more to back up
  EXPECT_EQ(backed_up_pieces(), 1u);
  stm::loc(a)->set(99999, -3);
  EXPECT_EQ(backed_up_pieces(), 2u);
  EXPECT_LE(backed_up_bytes(), 1024u);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  stm_start_transaction();
  EXPECT_EQ(stm::loc(a)->get(10), -1);
  EXPECT_EQ(stm::loc(a)->get(20), -2);
  EXPECT_EQ(stm::loc(a)->get(99999), -3);
  EXPECT_EQ(stm::loc(a)->get(50000), 50000);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  stm_start_transaction(); // a new transaction backs the card up again
  stm::loc(a)->set(11, 0);
  EXPECT_EQ(backed_up_bytes(), 512u);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Arrays, AbortRestoresTheCards) {
  as(0);
  stm::array<long> *a = committed_array(10000);
  as(1);
  stm_start_transaction();
  stm::loc(a)->set(0, 100);
  stm::loc(a)->set(5000, 200);
  stm_abort_transaction();
  stm_start_transaction();
  EXPECT_EQ(stm::loc(a)->get(0), 0);
  EXPECT_EQ(stm::loc(a)->get(5000), 5000);
  stm::loc(a)->set(5000, 1); // backed up again after the abort
  EXPECT_EQ(backed_up_bytes(), 512u);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Arrays, ConflictsStayObjectWide) {
  as(0);
  stm::array<long> *a = committed_array(10000);
  as(1);
  stm_start_transaction();
  EXPECT_EQ(stm::loc(a)->get(1), 1); // reads one card
  as(2);
  stm_start_transaction();
  stm::loc(a)->set(9000, -9); // writes another
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  stm::loc(a)->set(2, 2);
  EXPECT_NE(stm_commit_transaction(), 0) << "any write to the array conflicts with a reader";
}

TEST_F(Arrays, WholeObjectWriteAfterCardWritesRollsBackInOrder) {
  as(0);
  stm::array<long> *a = committed_array(10000);
  as(1);
  stm_start_transaction();
  stm::loc(a)->set(7, 70); // card backed up
  stm::wr(a);              // then the whole object
  stm::loc(a)->set(8000, 80);
  stm_abort_transaction();
  stm_start_transaction();
  EXPECT_EQ(stm::loc(a)->get(7), 7);
  EXPECT_EQ(stm::loc(a)->get(8000), 8000);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

// Elements of `a` that differ from their index, but for the expected ones.
long elements_changed(stm::array<long> *a,
                      std::initializer_list<std::pair<std::size_t, long>> expected) {
  long changed = 0;
  for (std::size_t i = 0; i < a->size(); ++i) {
    long want = static_cast<long>(i);
    for (auto [at, value] : expected)
      if (at == i)
        want = value;
    changed += stm::loc(a)->get(i) != want;
  }
  return changed;
}

using Elements = std::initializer_list<std::pair<std::size_t, long>>;

class ArrayImports : public VirtualThreads {
protected:
  // Thread 1, outside atomic blocks, imports what thread 2 committed and
  // publishes: it and then thread 0 see `expected`, and every other element
  // still equals its index.
  void expect_after_import(stm::array<long> *a, Elements expected) {
    as(1);
    EXPECT_EQ(stm_validate(), 0);
    EXPECT_EQ(elements_changed(a, expected), 0) << "in the importing thread";
    publish();
    as(0);
    stm::detail::ambient_boundary("refresh");
    EXPECT_EQ(elements_changed(a, expected), 0) << "after it published";
  }
};

// A thread that wrote one card imports a commit to another card: only the
// committed card changes.
TEST_F(ArrayImports, OnlyTheCommittedCardChanges) {
  as(0);
  stm::array<long> *a = committed_array(1024); // 16 cards
  as(1);
  stm::loc(a)->set(0, -1); // card 0
  as(2);
  stm_start_transaction();
  stm::loc(a)->set(300, -300); // card 4
  EXPECT_EQ(stm_commit_transaction(), 0);
  expect_after_import(a, {{0, -1}, {300, -300}});
}

// Card 0 and the whole object start at the same offset: the thread's backup
// of the card, older than its backup of the object, tells its own write.
TEST_F(ArrayImports, KeepACardWrittenBeforeItsWholeObject) {
  as(0);
  stm::array<long> *a = committed_array(1024);
  as(1);
  stm::loc(a)->set(0, -1); // card 0 backed up
  stm::wr(a);              // then the whole object
  as(2);
  stm_start_transaction();
  stm::loc(a)->set(5, -5); // card 0 too
  EXPECT_EQ(stm_commit_transaction(), 0);
  expect_after_import(a, {{0, -1}, {5, -5}});
}

// Another thread's commit of the whole array is merged card by card with the
// cards this one wrote.
TEST_F(ArrayImports, OfAWholeArrayKeepTheCardsWrittenHere) {
  as(0);
  stm::array<long> *a = committed_array(1024);
  as(1);
  stm::loc(a)->set(0, -1);
  stm::loc(a)->set(700, -700);
  as(2);
  stm_start_transaction();
  stm::wr(a);
  stm::loc(a)->set(5, -5);
  stm::loc(a)->set(900, -900);
  EXPECT_EQ(stm_commit_transaction(), 0);
  expect_after_import(a, {{0, -1}, {5, -5}, {700, -700}, {900, -900}});
}

TEST_F(Arrays, ArraysOfReferencesKeepTheirElementsAlive) {
  as(0);
  stm::array<Node *> *nodes = stm::make_array<Node *>(5000);
  for (std::size_t i = 0; i < 5000; i += 7) {
    Node *n = stm::make<Node>();
    stm::wr(n)->key = static_cast<long>(i);
    stm::loc(nodes)->set(i, n);
  }
  publish();
  as(1);
  stm_start_transaction();
  Node *replacement = stm::make<Node>();
  stm::wr(replacement)->key = -7;
  stm::loc(nodes)->set(7, replacement); // a card write not yet committed
  replacement = nullptr;
  as(0);
  for (int i = 0; i < 20000; ++i)
    stm::make<Cell>();
  stm::collect();
  for (int i = 0; i < 20000; ++i)
    stm::wr(stm::make<Node>())->key = -1;
  as(1);
  EXPECT_EQ(stm::rd(stm::loc(nodes)->get(7))->key, -7);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  for (std::size_t i = 0; i < 5000; i += 7)
    EXPECT_EQ(stm::rd(stm::loc(nodes)->get(i))->key, i == 7 ? -7 : static_cast<long>(i));
}

// Sizes are 32 bits in the log: an array larger than the largest managed
// object is refused, not published in part; a length whose byte count does
// not fit in a size_t is refused, not allocated small.
TEST(ArraySizes, ArraysLargerThanTheLargestObjectAreRefused) {
  EXPECT_THROW(stm::make_array<char>(STM_MAX_OBJECT_BYTES + 1), std::length_error);
  EXPECT_THROW(stm::make_array<long>(~std::size_t(0) / 4), std::length_error);
  EXPECT_EQ(stm::make_array<char>(16)->size(), 16u);
}

} // namespace
} // namespace stmtest
