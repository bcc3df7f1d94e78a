// Misused managed references fault with an explanation, not silently.
#include "objects.h"

#include <gtest/gtest.h>

#include <thread>

namespace stmtest {
namespace {

TEST(FaultsDeathTest, AccessWithoutABarrierIsExplained) {
  Cell *c = stm::make<Cell>();
  EXPECT_DEATH(
      {
        volatile long v = c->value; // no barrier: the canonical window faults
        (void)v;
      },
      "a managed object was accessed without a barrier");
}

// Not only files compiled without stmify do it: library code that was
// handed a managed object (a member pointer applied by std::invoke, say).
TEST(FaultsDeathTest, AccessWithoutABarrierNamesLibraryCodeToo) {
  Cell *c = stm::make<Cell>();
  EXPECT_DEATH(
      {
        volatile long v = c->value;
        (void)v;
      },
      "or library code that was handed a managed object");
}

TEST(FaultsDeathTest, NullManagedReferenceIsExplained) {
  Cell *null = nullptr;
  stm::make<Cell>(); // attaches this thread
  EXPECT_DEATH(set(null, 1), "a null managed reference was dereferenced");
}

TEST(FaultsDeathTest, UnattachedThreadIsExplained) {
  Cell *c = stm::make<Cell>();
  EXPECT_DEATH(
      {
        std::thread t([c] { get(c); }); // no safe point ran in this thread
        t.join();
      },
      "not attached to the stmify runtime");
}

} // namespace
} // namespace stmtest
