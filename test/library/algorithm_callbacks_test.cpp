// <algorithm> given a container's iterators outside atomic blocks, with more
// threads than segments: the algorithm calls the program's function with a
// reference into the thread's segment. A safe point at that function's entry
// (a generic lambda had one) would let the thread continue in another
// segment and read, through the reference, values of a transaction that has
// not committed (with the barrier sanitizer: stop the program).
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include "read_while_writing.h"

#include <algorithm>
#include <numeric>

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
  // Each block changes every element and changes it back.
  const reading_results results = read_while_writing(
      [&] {
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
      },
      [&] {
        long points = std::count_if(board->points.cbegin(), board->points.cend(),
                                    [](const auto &p) { return p.x == p.y; });
        long squares =
            std::count_if(board->squares.cbegin(), board->squares.cend(), [](const auto &entry) {
              return entry.second == entry.first * entry.first;
            });
        long sum =
            std::accumulate(board->points.cbegin(), board->points.cend(), 0L,
                            [](long total, const Point &p) { return total + tripled(p.x - p.y); });
        return points == kElements && squares == kElements && sum == 0;
      });
  EXPECT_EQ(results.wrong, 0) << "of " << results.rounds << " rounds";
  EXPECT_GT(results.rounds, 0);
}

} // namespace
