// The segment count is not capped at 4 or 8: 64 segments, each held by its own
// runtime thread at the same time.
#include "test_environment.h"

#include "virtual_threads.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <unistd.h>
#include <vector>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "64"}, {"STMIFY_HEAP_LIMIT", "64M"});

namespace stmtest {
namespace {

TEST(ManySegments, SixtyFourTransactionsRunAtOnce) {
  ASSERT_EQ(stm::segment_limit(), 64u);
  stm::testing::never_block(true);
  std::vector<stm::testing::thread *> threads;
  for (int i = 0; i < 64; ++i)
    threads.push_back(stm::testing::new_thread());

  stm::testing::switch_to(threads[0]);
  stm::detail::safe_point_nothrow();
  std::vector<Cell *> cells;
  for (int i = 0; i < 64; ++i)
    cells.push_back(stm::make<Cell>());
  publish();

  // Every thread opens a transaction and writes its own cell; none has
  // committed when the last one starts.
  std::set<unsigned> segments;
  for (int i = 0; i < 64; ++i) {
    stm::testing::switch_to(threads[i]);
    stm::detail::safe_point_nothrow();
    stm_start_transaction();
    segments.insert(stm::testing::current_segment());
    set(cells[i], i + 1);
    set(cells[(i + 1) % 64], -1); // and its neighbour's: conflicts on the way
  }
  EXPECT_EQ(segments.size(), 64u);
  int committed = 0;
  for (int i = 0; i < 64; ++i) {
    stm::testing::switch_to(threads[i]);
    committed += stm_commit_transaction() == 0;
  }
  // Thread i wrote cells i and i+1; thread 0 commits first, so thread 1 (which
  // wrote cell 1 too) loses, thread 2 wins, and so on.
  EXPECT_EQ(committed, 32);
  for (auto *t : threads) {
    stm::testing::switch_to(t);
    stm::testing::detach_current();
  }
  stm::testing::switch_to(nullptr);
  stm::testing::never_block(false);
}

// Idle segments that no thread is likely to take stop following the log at
// the reclaimer's first pass: one thread committing on a 64-segment runtime
// pays for one idle segment (kept for the next thread), not for 63.
TEST(ManySegments, IdleSegmentsNoThreadWantsStopFollowingTheLog) {
  stm::testing::never_block(true);
  // Every segment current to begin with, whatever earlier tests of the
  // process left stale: each is taken (a stale one is copied) and given back.
  std::vector<stm::testing::thread *> everyone;
  for (unsigned s = 1; s <= stm::segment_limit(); ++s) {
    everyone.push_back(stm::testing::new_thread());
    stm::testing::switch_to(everyone.back());
    stm::detail::safe_point_nothrow();
  }
  for (auto *t : everyone) {
    stm::testing::switch_to(t);
    stm::testing::detach_current();
  }
  stm::testing::thread *first = stm::testing::new_thread();
  stm::testing::switch_to(first);
  stm::detail::safe_point_nothrow();
  const unsigned held = stm::testing::forget_most_segments_held();
  const auto current_segments = [] {
    unsigned current = 0;
    for (unsigned s = 1; s <= stm::segment_limit(); ++s)
      current += !stm::testing::segment_is_stale(s);
    return current;
  };
  Cell *c = stm::make<Cell>();
  for (long i = 1; i <= 1000; ++i) {
    set(c, i);
    publish();
  }
  stm::testing::reclaim_log();
  EXPECT_EQ(current_segments(), held + 1) << "the segments held, and one for the next thread";
  std::set<unsigned> kept;
  for (unsigned s = 1; s <= stm::segment_limit(); ++s)
    if (!stm::testing::segment_is_stale(s))
      kept.insert(s);
  EXPECT_FALSE(stm::testing::segment_is_stale(1)) << "the lowest are kept, the highest dropped";

  // The next thread takes the segment kept current, the one after it a stale
  // one (copied from the first thread's): both see the last commit.
  stm::testing::thread *second = stm::testing::new_thread();
  stm::testing::switch_to(second);
  stm::detail::safe_point_nothrow();
  EXPECT_EQ(kept.count(stm::testing::current_segment()), 1u) << "it took a current segment";
  EXPECT_EQ(get(c), 1000);
  stm::testing::thread *third = stm::testing::new_thread();
  stm::testing::switch_to(third);
  stm::detail::safe_point_nothrow();
  EXPECT_EQ(get(c), 1000);

  // Three held at once: when the third gives its segment up, that one keeps
  // following the log, as the first two would.
  stm::testing::detach_current();
  stm::testing::switch_to(first);
  for (long i = 1001; i <= 2000; ++i) {
    set(c, i);
    publish();
  }
  stm::testing::reclaim_log();
  EXPECT_EQ(current_segments(), held + 2);
  stm::testing::switch_to(third);
  stm::detail::safe_point_nothrow();
  EXPECT_EQ(get(c), 2000);

  for (auto *t : {first, second, third}) {
    stm::testing::switch_to(t);
    stm::testing::detach_current();
  }
  EXPECT_EQ(stm::testing::forget_most_segments_held(), held - 1)
      << "the three threads gave their segments up";
  stm::testing::switch_to(nullptr);
  stm::testing::never_block(false);
}

// Resident pages of the process.
long resident_pages() {
  long size = 0, resident = 0;
  std::FILE *statm = std::fopen("/proc/self/statm", "r");
  if (!statm || std::fscanf(statm, "%ld %ld", &size, &resident) != 2)
    resident = -1;
  if (statm)
    std::fclose(statm);
  return resident;
}

// A segment that stops following the log gives its read markers back rather
// than writing zeros over them: 63 idle segments of a 3 MiB heap would
// otherwise make about 24 MiB of markers resident that no one ever set.
TEST(ManySegments, StaleSegmentsDoNotMakeTheirMarkersResident) {
  stm::testing::never_block(true);
  stm::testing::thread *only = stm::testing::new_thread();
  stm::testing::switch_to(only);
  stm::detail::safe_point_nothrow();
  stm::array<long> *heap = stm::make_array<long>(400 * 1024); // 3.2 MiB
  heap->set(0, 1);
  publish();
  const long before = resident_pages();
  ASSERT_GT(before, 0);
  stm::testing::make_idle_segments_stale();
  const long grown_kib = (resident_pages() - before) * (sysconf(_SC_PAGESIZE) / 1024);
  EXPECT_LT(grown_kib, 2048) << "resident size grew by " << grown_kib << " KiB";
  stm::testing::detach_current();
  stm::testing::switch_to(nullptr);
  stm::testing::never_block(false);
}

TEST(ManySegments, RealThreadsOnEverySegment) {
  Cell *c = stm::make<Cell>();
  publish();
  std::vector<std::thread> threads;
  for (int i = 0; i < 64; ++i)
    threads.emplace_back([c] {
      for (int k = 0; k < 100; ++k) {
        stm::detail::safe_point();
        stm::atomic([c] { set(c, get(c) + 1); });
      }
    });
  join_all(threads);
  EXPECT_EQ(get(c), 6400);
  // The main thread gives its segment back: the other tests count on all 64
  // (run in one process, in any order: --gtest_shuffle).
  stm::testing::detach_current();
}

} // namespace
} // namespace stmtest
