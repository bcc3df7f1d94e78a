// Segments share the heap pages they hold alike (docs/architecture.md §3,
// "Shared pages"): the heap's memory does not grow with the number of
// segments that hold it, and every segment still sees what it must.
#include "test_environment.h"

#include "segment_threads.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <unistd.h>
#include <vector>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "16"}, {"STMIFY_HEAP_LIMIT", "256M"});

namespace stmtest {
namespace {

constexpr std::size_t kMiB = std::size_t(1) << 20;
using Longs = stm::array<long>;

using SharedPages = SegmentThreads;

std::size_t heap_memory(const char *when) {
  const stm::testing::heap_memory m = stm::testing::heap_memory_now();
  std::printf("%s: the heap takes %zu KiB (segments' own pages %zu, heap file %zu)\n", when,
              (m.private_bytes + m.file_bytes) >> 10, m.private_bytes >> 10, m.file_bytes >> 10);
  return m.private_bytes + m.file_bytes;
}

// 16 MiB alive, in small objects and in large arrays; every segment takes
// its turn to hold it. Were each segment a copy, the heap would take 256 MiB.
TEST_F(SharedPages, SixteenSegmentsHoldTheHeapOnce) {
  ASSERT_EQ(threads_.size(), 16u);
  as(0);
  std::vector<Cell *> cells(256 * 1024); // 8 MiB of 32-byte cells
  for (std::size_t i = 0; i < cells.size(); ++i) {
    cells[i] = stm::make<Cell>();
    set(cells[i], static_cast<long>(i));
  }
  std::vector<Longs *> arrays(8); // 8 MiB
  for (std::size_t a = 0; a < arrays.size(); ++a) {
    arrays[a] = stm::make_array<long>(kMiB / sizeof(long));
    for (std::size_t k = 0; k < arrays[a]->size(); k += 512)
      arrays[a]->set(k, static_cast<long>(a * k));
  }
  publish();
  stm::collect();
  const std::size_t live = stm::stats().live_bytes;
  ASSERT_GE(live, 16 * kMiB);
  std::printf("%zu KiB alive\n", live >> 10);

  // Each thread takes a segment (most are stale: they are refreshed) and
  // commits a write of its own.
  for (std::size_t t = 1; t < threads_.size(); ++t) {
    as(t);
    EXPECT_EQ(get(cells[t * 1000]), static_cast<long>(t * 1000));
    EXPECT_EQ(arrays[t % 8]->get(512), static_cast<long>((t % 8) * 512));
    stm_start_transaction();
    set(cells[t], -static_cast<long>(t));
    ASSERT_EQ(stm_commit_transaction(), 0);
  }
  // The heap file, and the copies of the two segments that were current
  // before (a collection shares those; segments 3 to 16 read the file).
  std::size_t memory = heap_memory("16 segments held");
  EXPECT_LT(memory, 3 * live + live / 8)
      << "the heap takes " << memory / kMiB << " MiB in " << threads_.size() << " segments, "
      << live / kMiB << " MiB alive";

  // Every segment sees every commit, and the committed heap.
  for (std::size_t t = 0; t < threads_.size(); ++t) {
    refreshed(t);
    long wrong = 0;
    for (std::size_t i = 0; i < cells.size(); i += 97) {
      const long expected =
          i >= 1 && i < threads_.size() ? -static_cast<long>(i) : static_cast<long>(i);
      wrong += get(cells[i]) != expected;
    }
    for (std::size_t a = 0; a < arrays.size(); ++a)
      for (std::size_t k = 0; k < arrays[a]->size(); k += 4096)
        wrong += arrays[a]->get(k) != static_cast<long>(a * k);
    EXPECT_EQ(wrong, 0) << "in thread " << t;
  }
  // A collection gives back the copies that three segments or more hold
  // alike: those of the heap, and those of the pages the commits wrote.
  stm::collect();
  memory = heap_memory("after a collection");
  EXPECT_LT(memory, live + live / 8) << "after a collection: " << memory / kMiB << " MiB";
}

// With sixteen segments, read markers (an eighth of what each segment read)
// could take twice the heap (and more than 8 MiB): a collection gives back
// those of transactions
// that ended. A transaction still open keeps its own, and a commit that
// writes what it read still makes it fail.
TEST_F(SharedPages, ACollectionGivesBackTheReadMarkersOfEndedTransactions) {
  as(0);
  std::vector<Cell *> cells(512 * 1024); // 16 MiB of 32-byte cells
  for (Cell *&c : cells)
    c = stm::make<Cell>();
  publish();
  stm::collect();
  const std::size_t open_in = threads_.size() - 1;
  for (std::size_t t = 1; t <= open_in; ++t) {
    as(t);
    stm_start_transaction();
    long sum = 0;
    for (Cell *c : cells)
      sum += get(c);
    EXPECT_EQ(sum, 0);
    if (t != open_in)
      ASSERT_EQ(stm_commit_transaction(), 0);
  }
  set(cells[0], 2); // the open transaction writes: it must validate to commit
  const std::size_t markers_each = cells.size() * 32 / 8; // cells take 32 bytes
  const std::size_t before = stm::testing::heap_memory_now().marker_bytes;
  std::printf("read markers: %zu KiB\n", before >> 10);
  EXPECT_GE(before, open_in * markers_each);

  as(0);
  stm::collect();
  const std::size_t after = stm::testing::heap_memory_now().marker_bytes;
  std::printf("after a collection: %zu KiB\n", after >> 10);
  EXPECT_GE(after, markers_each);
  EXPECT_LT(after, markers_each + markers_each / 4);

  as(1);
  stm_start_transaction();
  set(cells[cells.size() / 2], 1);
  ASSERT_EQ(stm_commit_transaction(), 0);
  as(open_in);
  EXPECT_NE(stm_commit_transaction(), 0) << "the open transaction missed a conflict";
}

// A card's flag lies among the read markers: a transaction outside atomic
// blocks that wrote cards of an array, open across a collection, keeps its
// markers, and so its writes, when it imports a commit to the same cards.
TEST_F(SharedPages, ATransactionThatWroteACardKeepsItsMarkersAcrossACollection) {
  as(0);
  Longs *array = stm::make_array<long>(1024 * 1024); // 8 MiB
  publish();
  // Every segment current: their markers could take twice the heap.
  for (std::size_t t = 0; t < threads_.size(); ++t)
    refreshed(t);
  as(1);
  publish();
  for (std::size_t k = 0; k < array->size(); k += 4096)
    array->set(k, static_cast<long>(k) + 1);
  as(0);
  stm::collect();
  as(2);
  stm_start_transaction();
  for (std::size_t k = 0; k < array->size(); k += 4096)
    array->set(k + 1, -1);
  ASSERT_EQ(stm_commit_transaction(), 0);
  as(1);
  publish();
  refreshed(3);
  long wrong = 0;
  for (std::size_t k = 0; k < array->size(); k += 4096)
    wrong += array->get(k) != static_cast<long>(k) + 1 || array->get(k + 1) != -1;
  EXPECT_EQ(wrong, 0);
}

// A random history of commits, aborts, transactions left open across
// collections, and segments dropped and refreshed: every thread sees the
// committed values (and its own uncommitted ones), whatever its segment
// shares with the heap file.
TEST_F(SharedPages, EverySegmentSeesItsSnapshotThroughARandomHistory) {
  constexpr std::size_t kCells = 20000, kPending = 64;
  as(0);
  std::vector<Cell *> cells(kCells);
  std::vector<long> committed(kCells);
  for (std::size_t i = 0; i < kCells; ++i) {
    cells[i] = stm::make<Cell>();
    set(cells[i], committed[i] = static_cast<long>(i));
  }
  Longs *array = stm::make_array<long>(256 * 1024);
  std::vector<long> committed_array(array->size(), 0);
  publish();

  std::mt19937_64 random(20261207);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  // One transaction is left open at a time; it alone writes the first
  // kPending cells, so it commits whenever it ends.
  std::size_t open_in = threads_.size();
  std::vector<std::pair<std::size_t, long>> open_writes;
  // The thread of the open transaction is not checked: its snapshot may be
  // older than the last commits.
  auto check = [&](std::size_t t) {
    refreshed(t);
    long wrong = 0;
    for (std::size_t i = 0; i < kCells; ++i)
      wrong += get(cells[i]) != committed[i];
    for (std::size_t k = 0; k < committed_array.size(); k += 61)
      wrong += array->get(k) != committed_array[k];
    return wrong;
  };
  long wrong = 0;
  for (int step = 0; step < 3000 && wrong == 0; ++step) {
    const std::size_t t = pick(threads_.size());
    switch (pick(10)) {
    case 0:
    case 1:
    case 2: { // a transaction that commits or aborts
      if (t == open_in)
        break;
      as(t);
      stm_start_transaction();
      const bool abort = pick(4) == 0;
      std::vector<std::pair<std::size_t, long>> writes;
      for (int w = 0; w < 8; ++w) {
        const std::size_t i = kPending + pick(kCells - kPending);
        const long v = static_cast<long>(random() >> 1);
        set(cells[i], v);
        writes.emplace_back(i, v);
      }
      const std::size_t k = pick(committed_array.size());
      const long v = static_cast<long>(random() >> 1);
      array->set(k, v);
      if (abort) {
        stm_abort_transaction();
        break;
      }
      ASSERT_EQ(stm_commit_transaction(), 0) << "at step " << step;
      for (auto &[i, value] : writes)
        committed[i] = value;
      committed_array[k] = v;
      break;
    }
    case 3: // the open transaction begins, or ends
      if (open_in == threads_.size()) {
        open_in = t;
        as(t);
        stm_start_transaction();
        for (int w = 0; w < 4; ++w) {
          const std::size_t i = pick(kPending);
          const long v = static_cast<long>(random() >> 1);
          set(cells[i], v);
          open_writes.emplace_back(i, v);
        }
      } else {
        as(open_in);
        if (pick(2)) {
          ASSERT_EQ(stm_commit_transaction(), 0) << "at step " << step;
          for (auto &[i, value] : open_writes)
            committed[i] = value;
        } else {
          stm_abort_transaction();
        }
        open_in = threads_.size();
        open_writes.clear();
      }
      break;
    case 4:
      if (t != open_in) {
        as(t);
        stm::collect();
      }
      break;
    case 5:
      if (t != open_in) {
        as(t);
        stm::testing::detach_current();
        stm::testing::make_idle_segments_stale();
      }
      break;
    default:
      if (t == open_in)
        break;
      wrong += check(t);
      if (wrong)
        ADD_FAILURE() << wrong << " values wrong in thread " << t << " at step " << step;
    }
  }
  if (open_in != threads_.size()) {
    as(open_in);
    stm_abort_transaction();
  }
  for (std::size_t t = 0; t < threads_.size() && wrong == 0; ++t)
    EXPECT_EQ(check(t), 0) << "in thread " << t;
}

// A segment taken again after it went stale is refreshed from an idle
// segment, which gives back its copies of the pages the refreshed one then
// reads from the heap file, and only those: where another segment still
// reads the file's older bytes, the donor keeps its copy.
TEST_F(SharedPages, AnIdleDonorGivesBackOnlyWhatTheFileHolds) {
  as(0);
  std::vector<Cell *> cells(4096);
  for (Cell *&c : cells) {
    c = stm::make<Cell>();
    set(c, 1);
  }
  publish();
  for (std::size_t t : {1, 2, 3, 5})
    refreshed(t); // segments 2, 3, 4 and 5
  stm::collect(); // the cells' pages are shared
  for (std::size_t t : {1, 2}) {
    as(t);
    stm::testing::detach_current();
  }
  stm::testing::make_idle_segments_stale(); // segments 2 and 3
  as(0);
  for (Cell *c : cells)
    set(c, 2);
  publish(); // thread 5 has not seen it: its segment still reads the 1s
  as(3);
  stm::testing::detach_current(); // segment 4 is the idle donor
  auto ones_and_twos = [&](std::size_t t) {
    refreshed(t);
    long ones = 0, twos = 0;
    for (Cell *c : cells) {
      ones += get(c) == 1;
      twos += get(c) == 2;
    }
    return std::make_pair(ones, twos);
  };
  const long all = static_cast<long>(cells.size());
  EXPECT_EQ(ones_and_twos(1), std::make_pair(0L, all)) << "thread 1, refreshed";
  EXPECT_EQ(ones_and_twos(2), std::make_pair(0L, all)) << "thread 2, refreshed";
  EXPECT_EQ(ones_and_twos(3), std::make_pair(0L, all)) << "thread 3, on the donor";
  EXPECT_EQ(ones_and_twos(5), std::make_pair(0L, all)) << "thread 5, brought up to date";
}

// Blocks the sweep gives back to the system leave the heap file too: a new
// object there reads as zeros, in every segment, though the file held the
// bytes of the objects that were there before.
TEST_F(SharedPages, FreedBlocksGivenBackReadAsZeros) {
  as(0);
  std::vector<Longs *> arrays(64); // 64 MiB
  for (Longs *&a : arrays) {
    a = stm::make_array<long>(kMiB / sizeof(long));
    for (std::size_t k = 0; k < a->size(); k += 256)
      a->set(k, -1);
  }
  publish();
  for (std::size_t t = 1; t < 4; ++t)
    refreshed(t);
  stm::collect(); // the file takes the arrays' bytes
  arrays.assign(arrays.size(), nullptr);
  as(0);
  stm::collect(); // frees them, and gives most of their blocks back
  for (Longs *&a : arrays)
    a = stm::make_array<long>(kMiB / sizeof(long));
  publish();
  for (std::size_t t = 0; t < 4; ++t) {
    refreshed(t);
    long nonzero = 0;
    for (Longs *a : arrays)
      for (std::size_t k = 0; k < a->size(); k += 256)
        nonzero += a->get(k) != 0;
    EXPECT_EQ(nonzero, 0) << "in thread " << t;
  }
}

} // namespace
} // namespace stmtest
