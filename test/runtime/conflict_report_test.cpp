// The conflict report (STMIFY_REPORT): each abort and wait is counted under
// its cause, with the sites of both sides; and the live messages
// (STMIFY_VERBOSE), at most 20 a second. Conflicts are made step by step by
// several runtime threads on one OS thread, so each one is exact.
#include "test_environment.h"
#include "virtual_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "4"}, {"STMIFY_HEAP_LIMIT", "64M"},
                        {"STMIFY_REPORT", "1"}, {"STMIFY_VERBOSE", "1"});

namespace stmtest {
namespace {

// The lines of the report from the one that contains `first` on.
std::string from(const std::string &report, const std::string &first) {
  const std::size_t at = report.find(first);
  return at == std::string::npos ? "" : report.substr(at);
}

// Overwrites the stack below the caller, where dead frames may still hold
// references that the collector's conservative scan would find.
__attribute__((noinline)) void clear_dead_stack() {
  volatile char scratch[32 * 1024];
  std::memset(const_cast<char *>(scratch), 0, sizeof scratch);
}

class ConflictReport : public VirtualThreads {
protected:
  // Thread 1 writes c at own_site in the atomic block at block_site; thread 2
  // then commits a write of c at their_site, so that thread 1's commit fails.
  void lose_write_write(Cell *c, const char *block_site, const char *own_site,
                        const char *their_site) {
    as(1);
    _stm_atomic_begin(block_site);
    stm::wr(c, own_site)->value = 10;
    as(2);
    stm_start_transaction();
    stm::wr(c, their_site)->value = 20;
    EXPECT_EQ(stm_commit_transaction(), 0);
    as(1);
    EXPECT_NE(stm_commit_transaction(), 0);
  }
};

TEST_F(ConflictReport, AWriteWriteConflictNamesBothWritesAndTheBlock) {
  Cell *c = committed_cell(0);
  stm::testing::reset_conflict_report();
  lose_write_write(c, "block.cpp:10:3", "mine.cpp:11:5", "theirs.cpp:20:5");
  const std::string report = stm::testing::conflict_report(10);
  EXPECT_NE(report.find("1 attempt aborted"), std::string::npos) << report;
  const std::string entry = from(report, "stmify: 1. ");
  EXPECT_NE(entry.find("lost in 1 abort: write-write conflict on "), std::string::npos) << report;
  EXPECT_NE(entry.find("committed write  theirs.cpp:20:5\n"), std::string::npos) << report;
  EXPECT_NE(entry.find("aborted write    mine.cpp:11:5\n"), std::string::npos) << report;
  EXPECT_NE(entry.find("in atomic block  block.cpp:10:3\n"), std::string::npos) << report;
}

TEST_F(ConflictReport, AWriteReadConflictNamesTheCommittedWriteAndTheReadingBlock) {
  Cell *c = committed_cell(1);
  Cell *d = committed_cell(0);
  stm::testing::reset_conflict_report();
  as(1);
  _stm_atomic_begin("reader.cpp:5:3");
  EXPECT_EQ(get(c), 1);
  stm::wr(d, "reader.cpp:6:5")->value = 1; // a transaction that writes validates at commit
  as(2);
  stm_start_transaction();
  stm::wr(c, "writer.cpp:7:5")->value = 2;
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_NE(stm_commit_transaction(), 0);
  const std::string entry = from(stm::testing::conflict_report(10), "stmify: 1. ");
  EXPECT_NE(entry.find("lost in 1 abort: write-read conflict on "), std::string::npos) << entry;
  EXPECT_NE(entry.find("committed write  writer.cpp:7:5\n"), std::string::npos) << entry;
  EXPECT_NE(entry.find("aborted block    reader.cpp:5:3\n"), std::string::npos) << entry;
  EXPECT_EQ(entry.find("aborted write"), std::string::npos) << entry;
}

TEST_F(ConflictReport, CausesAreCountedTogetherAndSortedByTimeLost) {
  Cell *c = committed_cell(0);
  stm::testing::reset_conflict_report();
  for (int i = 0; i < 3; ++i)
    lose_write_write(c, "often.cpp:1:1", "often.cpp:2:2", "often.cpp:3:3");
  // One abort of an attempt that ran much longer than the three together.
  as(1);
  _stm_atomic_begin("slow.cpp:1:1");
  stm::wr(c, "slow.cpp:2:2")->value = 10;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  as(2);
  stm_start_transaction();
  stm::wr(c, "slow.cpp:3:3")->value = 20;
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_NE(stm_commit_transaction(), 0);
  const std::string report = stm::testing::conflict_report(10);
  const std::string first = from(report, "stmify: 1. ");
  const std::string second = from(report, "stmify: 2. ");
  EXPECT_NE(first.find("in 1 abort:"), std::string::npos) << report;
  EXPECT_NE(first.find("aborted write    slow.cpp:2:2"), std::string::npos) << report;
  EXPECT_NE(second.find("in 3 aborts"), std::string::npos) << report;
  EXPECT_NE(second.find("aborted write    often.cpp:2:2"), std::string::npos) << report;
  // With the top 1 only, the rest is summed up.
  const std::string top1 = stm::testing::conflict_report(1);
  EXPECT_EQ(top1.find("stmify: 2. "), std::string::npos) << top1;
  EXPECT_NE(top1.find("stmify: and 1 more cause, "), std::string::npos) << top1;
}

// Markers are per object: a commit of another card of an array this
// transaction wrote one card of aborts it, a write-write conflict on the
// array (before, it was reported as a write-read conflict).
TEST_F(ConflictReport, AnotherCardOfAnArrayThisBlockWroteIsAWriteWriteConflict) {
  as(0);
  stm::array<long> *a = stm::make_array<long>(10000);
  publish();
  stm::testing::reset_conflict_report();
  as(1);
  _stm_atomic_begin("cards.cpp:1:1");
  stm::loc(a)->set(1, 10, "cards.cpp:2:2");
  as(2);
  stm_start_transaction();
  stm::loc(a)->set(9000, 20, "cards.cpp:3:3");
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_NE(stm_commit_transaction(), 0);
  const std::string entry = from(stm::testing::conflict_report(10), "stmify: 1. ");
  EXPECT_NE(entry.find("lost in 1 abort: write-write conflict on "), std::string::npos) << entry;
  EXPECT_NE(entry.find("committed write  cards.cpp:3:3\n"), std::string::npos) << entry;
  EXPECT_NE(entry.find("aborted write    cards.cpp:2:2\n"), std::string::npos) << entry;
}

// Thread 1 writes `dead`, then the last reference to it goes; a collection
// drops that write from the transaction. The site of its later write of
// `live` must stay that write's own.
__attribute__((noinline)) void write_then_forget(Cell **dead, Cell *live) {
  stm::wr(*dead, "dead.cpp:1:1")->value = 1;
  *dead = nullptr;
  stm::wr(live, "live.cpp:2:2")->value = 2;
}

TEST_F(ConflictReport, AWriteOfAnObjectTheCollectorFreedDoesNotShiftTheSites) {
  Cell *live = committed_cell(0);
  static Cell *dead; // not on the stack: the collector must not find it
  dead = committed_cell(0);
  stm::testing::reset_conflict_report();
  as(1);
  _stm_atomic_begin("block.cpp:1:1");
  write_then_forget(&dead, live);
  clear_dead_stack();
  as(0);
  stm::collect();
  as(2);
  stm_start_transaction();
  stm::wr(live, "theirs.cpp:3:3")->value = 3;
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  EXPECT_NE(stm_commit_transaction(), 0);
  const std::string entry = from(stm::testing::conflict_report(10), "stmify: 1. ");
  EXPECT_NE(entry.find("committed write  theirs.cpp:3:3\n"), std::string::npos) << entry;
  EXPECT_NE(entry.find("aborted write    live.cpp:2:2\n"), std::string::npos) << entry;
}

TEST_F(ConflictReport, AnAbortTheProgramAsksForIsNotAConflict) {
  committed_cell(0);
  stm::testing::reset_conflict_report();
  as(1);
  _stm_atomic_begin("asked.cpp:1:1");
  stm_abort_transaction();
  const std::string entry = from(stm::testing::conflict_report(10), "stmify: 1. ");
  EXPECT_NE(entry.find("lost in 1 abort without a conflict"), std::string::npos) << entry;
  EXPECT_NE(entry.find("aborted block    asked.cpp:1:1"), std::string::npos) << entry;
}

TEST_F(ConflictReport, NothingToReport) {
  Cell *c = committed_cell(0);
  stm::testing::reset_conflict_report();
  as(1);
  stm_start_transaction();
  set(c, 1);
  EXPECT_EQ(stm_commit_transaction(), 0);
  const std::string report = stm::testing::conflict_report(10);
  EXPECT_NE(report.find("no aborts and no waits"), std::string::npos) << report;
  EXPECT_EQ(report.find("stmify: 1. "), std::string::npos) << report;
}

// Real threads: one holds the inevitable slot while another's commit waits.
TEST(ConflictReportThreads, AWaitForTheInevitableTransactionNamesItsCause) {
  Cell *c = stm::make<Cell>();
  Cell *d = stm::make<Cell>();
  publish();
  stm::testing::reset_conflict_report();
  std::atomic<bool> inevitable{false}, committing{false};
  std::thread holder([&] {
    _stm_atomic_begin("holder.cpp:2:3");
    EXPECT_EQ(stm_become_inevitable("call to 'printf' at printer.cpp:3:5"), 0);
    set(c, 1);
    inevitable = true;
    // Busy, not asleep: a blocking call would suspend the inevitable
    // transaction and let the waiter's disjoint commit through.
    while (!committing.load()) {
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (std::chrono::steady_clock::now() < until) {
    }
    EXPECT_EQ(stm_commit_transaction(), 0);
  });
  std::thread waiter([&] {
    while (!inevitable.load())
      std::this_thread::yield();
    _stm_atomic_begin("waiter.cpp:8:3");
    set(d, 1);
    committing = true;
    EXPECT_EQ(stm_commit_transaction(), 0); // waits for the holder's commit
  });
  join_all(holder);
  join_all(waiter);
  const std::string entry = from(stm::testing::conflict_report(10), "stmify: 1. ");
  EXPECT_NE(entry.find("paused in 1 wait for an inevitable transaction"), std::string::npos)
      << entry;
  EXPECT_NE(entry.find("inevitable by    call to 'printf' at printer.cpp:3:5\n"), std::string::npos)
      << entry;
  EXPECT_NE(entry.find("inevitable block holder.cpp:2:3\n"), std::string::npos) << entry;
  EXPECT_NE(entry.find("waiting block    waiter.cpp:8:3\n"), std::string::npos) << entry;
}

// A transaction that takes the inevitable slot while its previous holder is
// still releasing it (the log open, the waiters not yet told) gets a
// generation of its own: a wait for it names its cause, not "an unknown
// reason". (A wait that began inside the release, here stretched to 100 ms,
// ends with it and is the previous holder's.)
std::atomic<bool> g_previous_holder_releasing{false};
TEST(ConflictReportThreads, ANewHolderTakingTheSlotInItsReleaseIsNamedByItsWaiters) {
  Cell *a = stm::make<Cell>();
  Cell *b = stm::make<Cell>();
  Cell *c = stm::make<Cell>();
  publish();
  stm::testing::reset_conflict_report();
  std::atomic<bool> second_inevitable{false}, committing{false};
  std::thread first([&] {
    _stm_atomic_begin("first.cpp:1:1");
    EXPECT_EQ(stm_become_inevitable("reason of the first"), 0);
    set(a, 1);
    // In the release: long enough for the second to take the slot.
    stm::testing::in_next_slot_release([] {
      g_previous_holder_releasing = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    });
    EXPECT_EQ(stm_commit_transaction(), 0);
  });
  std::thread second([&] {
    while (!g_previous_holder_releasing.load())
      std::this_thread::yield();
    _stm_atomic_begin("second.cpp:2:2");
    EXPECT_EQ(stm_become_inevitable("reason of the second"), 0);
    set(b, 1);
    second_inevitable = true;
    while (!committing.load()) {
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (std::chrono::steady_clock::now() < until) {
    }
    EXPECT_EQ(stm_commit_transaction(), 0);
  });
  std::thread waiter([&] {
    while (!second_inevitable.load())
      std::this_thread::yield();
    _stm_atomic_begin("waiter.cpp:3:3");
    set(c, 1);
    committing = true;
    EXPECT_EQ(stm_commit_transaction(), 0); // waits for the second
  });
  join_all(first);
  join_all(second);
  join_all(waiter);
  const std::string report = stm::testing::conflict_report(10);
  EXPECT_EQ(report.find("unknown reason"), std::string::npos) << report;
  EXPECT_NE(report.find("inevitable by    reason of the second\nstmify:      inevitable block "
                        "second.cpp:2:2\nstmify:      waiting block    waiter.cpp:3:3\n"),
            std::string::npos)
      << report;
}

std::size_t occurrences(const std::string &text, const std::string &what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

TEST_F(ConflictReport, LiveMessagesNameBothWritesAndStopAtTwentyASecond) {
  Cell *c = committed_cell(0);
  stm::testing::reset_conflict_report();
  testing::internal::CaptureStderr();
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 25; ++i) {
    lose_write_write(c, "block.cpp:10:3", "mine.cpp:11:5", "theirs.cpp:20:5");
    as(1); // a commit, so that thread 1 never reaches the retry limit
    _stm_atomic_begin("block.cpp:10:3");
    EXPECT_EQ(stm_commit_transaction(), 0);
  }
  const bool within_a_second = std::chrono::steady_clock::now() - began < std::chrono::seconds(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  lose_write_write(c, "block.cpp:10:3", "mine.cpp:11:5", "theirs.cpp:20:5");
  const std::string out = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(within_a_second) << "too slow a machine for this test";
  EXPECT_EQ(occurrences(out, "stmify: detected conflict: write-write on "), 21u) << out;
  EXPECT_NE(out.find(": committed write at theirs.cpp:20:5, aborted write at mine.cpp:11:5, in "
                     "atomic block block.cpp:10:3; the attempt aborted, "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("stmify: (5 more messages not shown)\nstmify: detected conflict"),
            std::string::npos)
      << out;
}

} // namespace
} // namespace stmtest
