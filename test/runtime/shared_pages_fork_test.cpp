// After fork() neither process writes the heap file again (a separate
// binary: the parent stays that way for the rest of the process).
#include "test_environment.h"

#include "segment_threads.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <vector>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "8"});

namespace stmtest {
namespace {

using SharedPagesAndFork = SegmentThreads;

// After fork() neither process writes the heap file again: the other one
// may share the page. The parent changes every cell and collects (which
// would have given the file the new bytes); the child still sees its own.
TEST_F(SharedPagesAndFork, AForkedChildKeepsItsView) {
  as(0);
  std::vector<Cell *> cells(4096);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    cells[i] = stm::make<Cell>();
    set(cells[i], 1);
  }
  publish();
  for (std::size_t t = 1; t < 4; ++t)
    refreshed(t);
  stm::collect(); // the cells' pages are shared
  as(0);
  int to_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  char byte = 0;
  if (child == 0) {
    if (read(to_child[0], &byte, 1) != 1)
      _exit(2);
    long wrong = 0;
    for (Cell *c : cells)
      wrong += get(c) != 1;
    _exit(wrong == 0 ? 0 : 1);
  }
  for (Cell *c : cells)
    set(c, 2);
  publish();
  for (std::size_t t = 1; t < 4; ++t)
    refreshed(t);
  stm::collect();
  as(0);
  EXPECT_EQ(write(to_child[1], &byte, 1), 1);
  int status = -1;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the child saw the parent's writes (status " << status << ")";
  for (Cell *c : cells)
    EXPECT_EQ(get(c), 2);
  for (int fd : to_child)
    close(fd);
}

} // namespace
} // namespace stmtest
