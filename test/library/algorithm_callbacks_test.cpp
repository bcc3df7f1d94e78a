// <algorithm> given a container's iterators outside atomic blocks, with more
// threads than segments: the algorithm calls the program's function with a
// reference into the thread's segment. A safe point at that function's entry
// (a generic lambda had one) would let the thread continue in another
// segment and read, through the reference, values of a transaction that has
// not committed (with the barrier sanitizer: stop the program).
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <thread>
#include <vector>

namespace {

struct Point {
  long x = 0;
  long y = 0;
};

struct Board : stm::object {
  stm::vector<Point> points;
  stm::dict<long, long> squares;
};

constexpr long kElements = 256;

long tripled(long v) { return 3 * v; } // reaches no safe point

TEST(AlgorithmCallbacks, ReadOnlyCommittedElementsOutsideAtomicBlocks) {
  Board *board = stm::make<Board>();
  stm::atomic([&] {
    for (long i = 0; i < kElements; ++i) {
      board->points.push_back({i, i});
      board->squares[i] = i * i;
    }
  });
  std::atomic<bool> done{false};
  // Each block changes every element and changes it back: a value that is
  // not the committed one is one this block has not committed.
  std::thread writer([&] {
    for (int round = 0; round < 2000; ++round)
      stm::atomic([&] {
        for (long i = 0; i < kElements; ++i) {
          board->points[i].x += 1;
          board->squares[i] += 1;
        }
        for (long i = 0; i < kElements; ++i) {
          board->points[i].x -= 1;
          board->squares[i] -= 1;
        }
      });
    done = true;
  });
  std::atomic<long> rounds{0}, wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      while (!done) {
        long points = std::count_if(board->points.cbegin(), board->points.cend(),
                                    [](const auto &p) { return p.x == p.y; });
        long squares =
            std::count_if(board->squares.cbegin(), board->squares.cend(), [](const auto &entry) {
              return entry.second == entry.first * entry.first;
            });
        long sum =
            std::accumulate(board->points.cbegin(), board->points.cend(), 0L,
                            [](long total, const Point &p) { return total + tripled(p.x - p.y); });
        if (points != kElements || squares != kElements || sum != 0)
          ++wrong;
        ++rounds;
      }
    });
  writer.join();
  for (std::thread &t : readers)
    t.join();
  EXPECT_EQ(wrong.load(), 0) << "of " << rounds.load() << " rounds";
  EXPECT_GT(rounds.load(), 0);
}

} // namespace
