// The conflict rules, step by step: several runtime threads driven from one OS
// thread, so every interleaving is exact.
#include "virtual_threads.h"

#include <gtest/gtest.h>

#include <vector>

namespace stmtest {
namespace {

using stm::testing::header_was_read;
using stm::testing::was_read;
using stm::testing::was_written;

using Conflicts = VirtualThreads;

TEST_F(Conflicts, ThreadsHoldDifferentSegments) {
  committed_cell(0);
  unsigned s0 = stm::testing::current_segment();
  as(1);
  stm_start_transaction();
  unsigned s1 = stm::testing::current_segment();
  EXPECT_NE(s0, 0u);
  EXPECT_NE(s1, 0u);
  EXPECT_NE(s0, s1);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, ReadThenForeignWriteConflictsAtTheNextValidation) {
  Cell *c = committed_cell(1);
  as(1);
  stm_start_transaction();
  EXPECT_EQ(get(c), 1);
  EXPECT_TRUE(was_read(c));
  as(2);
  stm_start_transaction();
  set(c, 2);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_EQ(get(c), 1) << "no import before validation: the snapshot holds";
  EXPECT_NE(stm_validate(), 0) << "validation finds the conflict";
  EXPECT_NE(stm_commit_transaction(), 0) << "and the commit fails";
  EXPECT_FALSE(stm::is_atomic());
  EXPECT_EQ(get(c), 2) << "after the abort the thread sees the new value";
}

TEST_F(Conflicts, WriteWriteConflictIsCaughtAsWriteRead) {
  Cell *c = committed_cell(0);
  as(1);
  stm_start_transaction();
  set(c, 10);
  EXPECT_TRUE(was_written(c));
  EXPECT_TRUE(was_read(c)) << "a write marks the object read";
  as(2);
  stm_start_transaction();
  set(c, 20);
  EXPECT_EQ(stm_commit_transaction(), 0) << "the first committer wins";
  as(1);
  EXPECT_NE(stm_commit_transaction(), 0);
  stm_start_transaction();
  EXPECT_EQ(get(c), 20);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, DisjointObjectsDoNotConflict) {
  Cell *a = committed_cell(1);
  Cell *b = committed_cell(2);
  as(1);
  stm_start_transaction();
  set(a, get(a) + 1);
  as(2);
  stm_start_transaction();
  set(b, get(b) + 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_EQ(stm_validate(), 0);
  EXPECT_EQ(get(b), 3) << "validation imported the other commit";
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, WriteOnlyAfterForeignCommitStillConflicts) {
  // Blind write: the write barrier marks the object read, so a commit of the
  // same object by another thread before ours makes ours fail.
  Cell *c = committed_cell(0);
  as(1);
  stm_start_transaction();
  as(2);
  stm_start_transaction();
  set(c, 5);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  set(c, 6);
  EXPECT_NE(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, SnapshotIsConsistentAcrossObjects) {
  Cell *a = committed_cell(100);
  Cell *b = committed_cell(0);
  as(1);
  stm_start_transaction();
  long seen_a = get(a);
  as(2);
  stm_start_transaction();
  set(a, get(a) - 30);
  set(b, get(b) + 30);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  long seen_b = get(b);
  EXPECT_EQ(seen_a + seen_b, 100) << "thread 1 sees no half of the transfer";
  EXPECT_EQ(stm_commit_transaction(), 0)
      << "a read-only transaction is serializable at its snapshot: it commits";
}

TEST_F(Conflicts, StaleReadThenWriteDoesNotCommit) {
  Cell *a = committed_cell(100);
  Cell *b = committed_cell(0);
  as(1);
  stm_start_transaction();
  long seen = get(a);
  as(2);
  stm_start_transaction();
  set(a, 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  set(b, seen); // depends on the stale read of a
  EXPECT_NE(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, TransactionStartingAfterACommitSeesIt) {
  Cell *c = committed_cell(0);
  as(1);
  stm_start_transaction();
  set(c, 9);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  stm_start_transaction();
  EXPECT_EQ(get(c), 9);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, ReadOnlyTransactionOfUnrelatedDataCommits) {
  Cell *a = committed_cell(1);
  Cell *b = committed_cell(2);
  as(1);
  stm_start_transaction();
  EXPECT_EQ(get(a), 1);
  as(2);
  stm_start_transaction();
  set(b, 3);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, AbortRestoresWrittenObjects) {
  Cell *a = committed_cell(1);
  Cell *b = committed_cell(2);
  as(1);
  stm_start_transaction();
  set(a, 10);
  set(b, 20);
  stm::wr(a)->other = 7;
  stm_abort_transaction();
  EXPECT_FALSE(stm::is_atomic());
  stm_start_transaction();
  EXPECT_EQ(get(a), 1);
  EXPECT_EQ(get(b), 2);
  EXPECT_EQ(stm::rd(a)->other, 0);
  EXPECT_FALSE(was_written(a));
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, ObjectsOfAnAbortedTransactionAreNeverSeen) {
  committed_cell(0);
  as(1);
  stm_start_transaction();
  Cell *fresh = stm::make<Cell>();
  set(fresh, 42);
  Cell *local_address = stm::loc(fresh);
  stm_abort_transaction();
  stm_start_transaction();
  Cell *again = stm::make<Cell>();
  EXPECT_EQ(stm::loc(again), local_address) << "the slot is reused";
  EXPECT_EQ(get(again), 0) << "and zeroed";
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, NewObjectsNeedNoBackup) {
  committed_cell(0);
  as(1);
  stm_start_transaction();
  Cell *fresh = stm::make<Cell>();
  set(fresh, 1);
  set(fresh, 2);
  EXPECT_FALSE(was_written(fresh)) << "created by this transaction: no slow path";
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  stm_start_transaction();
  EXPECT_EQ(get(fresh), 2) << "published at commit";
  set(fresh, 3);
  EXPECT_TRUE(was_written(fresh)) << "committed objects take the slow path";
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, InevitableTransactionBlocksOtherCommits) {
  Cell *a = committed_cell(0);
  Cell *b = committed_cell(0);
  as(1);
  stm_start_transaction();
  EXPECT_EQ(stm_become_inevitable("test"), 0);
  EXPECT_TRUE(stm::is_inevitable());
  as(2);
  stm_start_transaction();
  set(b, 1);
  EXPECT_NE(stm_commit_transaction(), 0)
      << "another transaction cannot commit while one is inevitable "
         "(in test mode the wait becomes an abort)";
  as(1);
  set(a, 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  stm_start_transaction();
  set(b, 1);
  EXPECT_EQ(stm_commit_transaction(), 0) << "and can once it committed";
}

TEST_F(Conflicts, OnlyOneTransactionIsInevitable) {
  committed_cell(0);
  as(1);
  stm_start_transaction();
  EXPECT_EQ(stm_become_inevitable("first"), 0);
  as(2);
  stm_start_transaction();
  EXPECT_NE(stm_become_inevitable("second"), 0);
  EXPECT_FALSE(stm::is_inevitable());
  stm_abort_transaction();
  as(1);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, InevitableTransactionNeverAborts) {
  Cell *c = committed_cell(0);
  as(1);
  stm_start_transaction();
  EXPECT_EQ(get(c), 0);
  EXPECT_EQ(stm_become_inevitable("io"), 0);
  as(2);
  stm_start_transaction();
  set(c, 5);
  EXPECT_NE(stm_commit_transaction(), 0) << "the writer loses";
  as(1);
  EXPECT_EQ(stm_validate(), 0);
  set(c, get(c) + 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  stm_start_transaction();
  EXPECT_EQ(get(c), 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, BecomingInevitableAfterLosingAConflictFails) {
  Cell *c = committed_cell(0);
  as(1);
  stm_start_transaction();
  get(c);
  as(2);
  stm_start_transaction();
  set(c, 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_NE(stm_become_inevitable("too late"), 0);
  EXPECT_NE(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, NestedTransactionsAreFlattened) {
  Cell *c = committed_cell(0);
  as(1);
  stm_start_transaction();
  stm_start_transaction();
  set(c, 1);
  EXPECT_EQ(stm_commit_transaction(), 0) << "inner level: nothing published";
  as(2);
  stm_start_transaction();
  EXPECT_EQ(get(c), 0);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  stm_start_transaction();
  EXPECT_EQ(get(c), 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Conflicts, WritesOutsideAtomicBlocksDoNotHoldUpCommits) {
  Cell *c = committed_cell(0);
  Cell *d = committed_cell(0);
  as(1);
  set(c, 3); // an ambient write: it takes no inevitable slot
  as(2);
  stm_start_transaction();
  set(d, 4);
  EXPECT_EQ(stm_commit_transaction(), 0);
  stm_start_transaction();
  set(c, 5); // a race with thread 1's write: the later publication wins
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  stm::detail::ambient_boundary("publish");
  as(2);
  stm_start_transaction();
  EXPECT_EQ(get(c), 3);
  EXPECT_EQ(get(d), 4);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

// Thread 1 writes one field of an object outside atomic blocks while atomic
// blocks commit writes to another field of it: publishing must not put the
// other field back to what thread 1 saw (both writes are kept).
TEST_F(Conflicts, PublishingOutsideAtomicBlocksKeepsOthersCommittedFields) {
  Cell *c = committed_cell(0);
  as(1);
  stm::wr(c)->other = 5;
  as(2);
  for (long v : {7, 8}) {
    stm_start_transaction();
    set(c, v);
    EXPECT_EQ(stm_commit_transaction(), 0);
  }
  as(1);
  EXPECT_EQ(stm::rd(c)->value, 0) << "a snapshot until the next boundary";
  stm::detail::ambient_boundary("publish");
  EXPECT_EQ(stm::rd(c)->value, 8);
  EXPECT_EQ(stm::rd(c)->other, 5);
  as(2);
  stm_start_transaction();
  EXPECT_EQ(get(c), 8);
  EXPECT_EQ(stm::rd(c)->other, 5);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

// The same when the commit lands between thread 1's refresh and its own
// publication (it publishes after importing it).
TEST_F(Conflicts, ImportingOutsideAtomicBlocksKeepsTheThreadsOwnWrites) {
  Cell *c = commit_after_own_write(5, 7);
  as(1);
  EXPECT_EQ(stm_validate(), 0); // a safe point outside atomic blocks imports
  EXPECT_EQ(stm::rd(c)->value, 7);
  EXPECT_EQ(stm::rd(c)->other, 5);
  as(2);
  stm_start_transaction();
  set(c, 9);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  stm::detail::ambient_boundary("publish");
  as(0);
  stm::detail::ambient_boundary("refresh");
  EXPECT_EQ(stm::rd(c)->value, 9);
  EXPECT_EQ(stm::rd(c)->other, 5);
}

// The index of a transaction's own writes serves imports outside atomic
// blocks; it must not make every later transaction pay for the largest one
// before it (clearing a hash table costs its size, not its entries).
TEST_F(Conflicts, TheIndexOfATransactionsOwnWritesDoesNotOutliveIt) {
  constexpr int kCells = 20000;
  as(0);
  std::vector<Cell *> cells;
  for (int i = 0; i < kCells; ++i)
    cells.push_back(stm::make<Cell>());
  stm::detail::ambient_boundary("test setup");
  as(1);
  for (Cell *c : cells)
    stm::wr(c)->other = 1;
  as(2);
  stm_start_transaction();
  set(cells[kCells / 2], 7);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_EQ(stm_validate(), 0); // the import looks the thread's own writes up
  EXPECT_EQ(stm::rd(cells[kCells / 2])->value, 7);
  EXPECT_EQ(stm::rd(cells[kCells / 2])->other, 1);
  stm::detail::ambient_boundary("publish");
  stm_start_transaction();
  for (Cell *c : cells)
    set(c, 3);
  EXPECT_LE(stm::testing::write_index_slots(), 1024u) << "no import needed an index";
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(0);
  stm::detail::ambient_boundary("refresh");
  EXPECT_EQ(get(cells[0]), 3);
  EXPECT_EQ(stm::rd(cells[0])->other, 1);
}

TEST_F(Conflicts, ReadOnlyCodeOutsideAtomicBlocksRefreshesItsSnapshot) {
  Cell *c = committed_cell(0);
  as(1);
  EXPECT_EQ(get(c), 0);
  as(2);
  stm_start_transaction();
  set(c, 8);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_EQ(get(c), 0) << "a snapshot until the next boundary";
  stm::detail::ambient_boundary("refresh");
  EXPECT_EQ(get(c), 8);
}

TEST_F(Conflicts, CommitLogEntriesAreFreedOnceEverySegmentHasThem) {
  Cell *c = committed_cell(0);
  all_catch_up();
  std::size_t before = stm::testing::log_entries();
  as(1);
  stm_start_transaction();
  set(c, 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
  EXPECT_EQ(stm::testing::log_entries(), before + 1);
  stm::testing::reclaim_log();
  EXPECT_EQ(stm::testing::log_entries(), before + 1) << "threads 0 and 2 have not seen it";
  as(0);
  stm::detail::ambient_boundary("catch up");
  as(2);
  stm::detail::ambient_boundary("catch up");
  stm::testing::reclaim_log();
  EXPECT_LE(stm::testing::log_entries(), before);
}

// While one segment lags, the log holds every entry committed since: an entry
// of one small write must not take the space of a large one (they took 1 KiB
// each, for 48 bytes of records).
TEST_F(Conflicts, ALaggingSegmentPinsLogEntriesSizedToTheirRecords) {
  Cell *c = committed_cell(0);
  all_catch_up();
  const std::size_t entries = stm::testing::log_entries();
  const std::size_t bytes = stm::testing::log_entry_bytes();
  as(1);
  constexpr int kCommits = 100;
  for (int i = 0; i < kCommits; ++i) {
    stm_start_transaction();
    set(c, i);
    ASSERT_EQ(stm_commit_transaction(), 0);
  }
  stm::testing::reclaim_log();
  ASSERT_EQ(stm::testing::log_entries(), entries + kCommits) << "threads 0 and 2 lag";
  EXPECT_LE(stm::testing::log_entry_bytes() - bytes, std::size_t(kCommits) * 256);
}

} // namespace
} // namespace stmtest
