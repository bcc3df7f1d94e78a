// stm::atomic on the real engine: retries, C++ unwinding, exceptions,
// preserved locals, progress. Conflicts are forced from a second runtime
// thread driven by the same OS thread.
#include "virtual_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <vector>

namespace stmtest {
namespace {

class Atomic : public VirtualThreads {
protected:
  // Thread 2 commits a write to c, then control returns to thread 1.
  void foreign_write(Cell *c, long v) {
    as(2);
    stm_start_transaction();
    set(c, v);
    ASSERT_EQ(stm_commit_transaction(), 0);
    as(1);
  }

  // Thread 1 overwrites every word of a committed object of `Words` words in
  // an attempt that then loses a conflict: how many words (and attempts) the
  // next attempt finds otherwise than before the first.
  template <int Words> int wrongly_restored(Cell *trigger);
};

template <int Words> struct Sized : stm::object {
  long word[Words] = {};
  using __stmify_traced_type = Sized;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

template <int Words> int Atomic::wrongly_restored(Cell *trigger) {
  as(0);
  Sized<Words> *object = stm::make<Sized<Words>>();
  for (int i = 0; i < Words; ++i)
    stm::wr(object)->word[i] = 100 * Words + i;
  stm::detail::ambient_boundary("test setup");
  as(1);
  int attempts = 0, wrong = 0;
  stm::atomic([&] {
    ++attempts;
    (void)get(trigger);
    if (attempts == 2)
      for (int i = 0; i < Words; ++i)
        wrong += stm::rd(object)->word[i] != 100 * Words + i;
    for (int i = 0; i < Words; ++i)
      stm::wr(object)->word[i] = -1;
    if (attempts == 1)
      foreign_write(trigger, Words);
  });
  return wrong + (attempts != 2);
}

struct CountsDestruction {
  int &destroyed;
  ~CountsDestruction() { ++destroyed; }
};

TEST_F(Atomic, ReadOnlyBlockCommitsOnItsSnapshot) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0;
  long seen = stm::atomic([&] {
    ++attempts;
    long v = get(c);
    foreign_write(c, 5);
    return v;
  });
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(seen, 0);
}

TEST_F(Atomic, ConflictRunsTheBlockAgain) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0;
  long result = stm::atomic([&] {
    ++attempts;
    long v = get(c);
    if (attempts == 1)
      foreign_write(c, 5);
    set(c, v + 1);
    return v + 1;
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(result, 6);
  EXPECT_EQ(get(c), 6);
}

TEST_F(Atomic, AbortUnwindsThroughUserFramesAndRunsDestructors) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0, destroyed = 0, after_inevitable = 0;
  stm::atomic([&] {
    CountsDestruction guard{destroyed};
    ++attempts;
    get(c);
    if (attempts == 1)
      foreign_write(c, 1);
    stm::become_inevitable("output"); // the first attempt lost: this aborts it
    ++after_inevitable;
    set(c, 2);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(destroyed, 2) << "the aborted attempt's locals were destroyed";
  EXPECT_EQ(after_inevitable, 1) << "the aborted attempt stopped before the call";
  EXPECT_EQ(get(c), 2);
}

TEST_F(Atomic, SafePointAbortsALosingBlock) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0, passed = 0;
  stm::atomic([&] {
    ++attempts;
    get(c);
    if (attempts == 1)
      foreign_write(c, 1);
    _stm_tls.safe_point_countdown = 0;
    stm::detail::safe_point();
    ++passed;
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(passed, 1);
}

TEST_F(Atomic, NothrowSafePointDefersTheAbort) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0, passed = 0;
  stm::atomic([&] {
    ++attempts;
    get(c);
    if (attempts == 1)
      foreign_write(c, 1);
    _stm_tls.safe_point_countdown = 0;
    stm::detail::safe_point_nothrow();
    ++passed; // reached on both attempts; the commit fails instead
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(passed, 2);
}

TEST_F(Atomic, PreservedLocalsAreRestoredBeforeARetry) {
  Cell *c = committed_cell(0);
  as(1);
  long total = 100;
  int attempts = 0;
  stm::atomic([&] {
    stm::detail::preserve(total);
    ++attempts;
    total += get(c) + 1;
    set(c, get(c) + 1);
    if (attempts == 1)
      foreign_write(c, 10);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(total, 111) << "the first attempt's += 1 was undone";
}

// A block given as a function object whose call operator is not const, by
// itself or in a std::reference_wrapper: what the first attempt changed in
// the object is undone before the retry.
struct CountsItsCalls {
  Cell *cell;
  int *attempts; // outside the object: not undone
  std::function<void()> *conflict;
  long calls = 0;
  long seen = 0;
  void operator()() {
    ++calls;
    seen += get(cell);
    set(cell, get(cell) + 1);
    if (++*attempts == 1)
      (*conflict)();
  }
};

TEST_F(Atomic, AFunctionObjectsOwnChangesAreUndoneBeforeARetry) {
  for (bool wrapped : {false, true}) {
    Cell *c = committed_cell(5);
    as(1);
    int attempts = 0;
    std::function<void()> conflict = [&] { foreign_write(c, 10); };
    CountsItsCalls block{c, &attempts, &conflict};
    if (wrapped)
      stm::atomic(std::ref(block));
    else
      stm::atomic(block);
    EXPECT_EQ(attempts, 2) << "wrapped: " << wrapped;
    EXPECT_EQ(block.calls, 1) << "the first attempt's call stayed counted; wrapped: " << wrapped;
    EXPECT_EQ(block.seen, 10) << "the first attempt's read stayed added; wrapped: " << wrapped;
  }
}

// A byte copy would undo what other threads did to the std::atomic since the
// block began: the block becomes inevitable instead, and is not run again.
struct HoldsAnAtomic {
  Cell *cell;
  std::atomic<long> calls{0};
  bool inevitable = false;
  void operator()() {
    calls.fetch_add(1);
    inevitable = stm::is_inevitable();
    set(cell, get(cell) + 1);
  }
};

TEST_F(Atomic, AFunctionObjectThatACopyCannotRestoreMakesTheBlockInevitable) {
  Cell *c = committed_cell(5);
  as(1);
  HoldsAnAtomic block{c};
  stm::atomic(block);
  EXPECT_TRUE(block.inevitable);
  EXPECT_EQ(block.calls.load(), 1);
}

// A managed object given as a block is not saved (a byte copy would bypass
// its barriers): the barriers of its own writes undo them.
struct RunsAsABlock : stm::object {
  Cell *cell = nullptr;
  int *attempts = nullptr;
  std::function<void()> *conflict = nullptr;
  long runs = 0;
  void operator()() {
    stm::wr(this)->runs += 1;
    (void)get(stm::rd(this)->cell);
    if (++*stm::rd(this)->attempts == 1)
      (*stm::rd(this)->conflict)();
  }
  using __stmify_traced_type = RunsAsABlock;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

TEST_F(Atomic, AManagedObjectIsABlockWhoseWritesAreUndoneByItsBarriers) {
  Cell *c = committed_cell(5);
  int attempts = 0;
  std::function<void()> conflict = [&] { foreign_write(c, 10); };
  RunsAsABlock *block = stm::make<RunsAsABlock>();
  stm::wr(block)->cell = c;
  stm::wr(block)->attempts = &attempts;
  stm::wr(block)->conflict = &conflict;
  stm::detail::ambient_boundary("test setup");
  as(1);
  stm::atomic(*block);
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(stm::rd(block)->runs, 1);
}

// Locals of every size come back: those of up to 16 bytes are kept in the
// transaction's record of them, larger ones beside it.
TEST_F(Atomic, PreservedLocalsOfEverySizeAreRestoredBeforeARetry) {
  struct Wide {
    long word[5];
  };
  Cell *c = committed_cell(0);
  as(1);
  bool flag = false;
  char letter = 'a';
  long count = 1;
  struct {
    long a, b;
  } pair{2, 3};
  Wide wide{{4, 5, 6, 7, 8}};
  int attempts = 0;
  bool restored = true;
  stm::atomic([&] {
    ++attempts;
    if (attempts == 2)
      restored = !flag && letter == 'a' && count == 1 && pair.a == 2 && pair.b == 3 &&
                 wide.word[0] == 4 && wide.word[4] == 8;
    stm::detail::preserve(flag);
    stm::detail::preserve(letter);
    stm::detail::preserve(count);
    stm::detail::preserve(pair);
    stm::detail::preserve(wide);
    flag = true;
    letter = 'z';
    count = -1;
    pair = {-2, -3};
    wide.word[0] = wide.word[4] = -4;
    stm::detail::preserve(count); // a second time: the first value wins
    count = -5;
    set(c, get(c) + 1);
    if (attempts == 1)
      foreign_write(c, 10);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_TRUE(restored);
  EXPECT_EQ(count, -5);
}

TEST_F(Atomic, ExceptionCommitsAndPropagates) {
  Cell *c = committed_cell(0);
  as(1);
  EXPECT_THROW(stm::atomic([&] {
                 set(c, 7);
                 throw std::runtime_error("failed");
               }),
               std::runtime_error);
  EXPECT_FALSE(stm::is_atomic());
  as(2);
  stm_start_transaction();
  EXPECT_EQ(get(c), 7) << "the block's effects were committed";
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(Atomic, ExceptionFromALosingAttemptRunsTheBlockAgain) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0;
  stm::atomic([&] {
    ++attempts;
    long v = get(c);
    if (attempts == 1) {
      set(c, v + 100);
      foreign_write(c, 3);
      throw std::runtime_error("computed from stale data");
    }
    set(c, v * 2);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(get(c), 6);
}

// Handlers run after their end of the block, each once, as the program's
// code: outside the block and outside the runtime, so that they may block
// or run atomic blocks of their own.
TEST_F(Atomic, HandlersRunOnceAtTheirEndOfTheBlockAsTheProgramsCode) {
  Cell *c = committed_cell(0);
  as(1);
  struct seen {
    int commits = 0, aborts = 0, inside = 0;
    std::vector<int> order;
  } s;
  const auto where = [&s] {
    if (stm::is_atomic() || stm::testing::in_runtime_code())
      ++s.inside;
  };
  int attempts = 0;
  stm::atomic([&] {
    ++attempts;
    stm::on_commit([&s, where] {
      where();
      ++s.commits;
      s.order.push_back(1);
    });
    stm::on_abort([&s, where] {
      where();
      ++s.aborts;
    });
    stm::on_commit([&s, c] {
      s.order.push_back(2);
      stm::atomic([&] { set(c, get(c) + 10); });
    });
    EXPECT_EQ(s.commits, 0) << "not before the block commits";
    const long v = get(c);
    if (attempts == 1)
      foreign_write(c, 5);
    set(c, v + 1);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(s.commits, 1);
  EXPECT_EQ(s.aborts, 1);
  EXPECT_EQ(s.inside, 0);
  EXPECT_EQ(s.order, (std::vector<int>{1, 2}));
  EXPECT_EQ(get(c), 16);
}

TEST_F(Atomic, AbortHandlersRunWhenACancelledBlockRollsBack) {
  as(1);
  int commits = 0, aborts = 0;
  EXPECT_THROW(stm::atomic_cancel([&] {
                 stm::on_commit([&commits] { ++commits; });
                 stm::on_abort([&aborts] { ++aborts; });
                 throw 42;
               }),
               int);
  EXPECT_EQ(commits, 0);
  EXPECT_EQ(aborts, 1);
  stm::on_abort([&aborts] { ++aborts; });
  stm::on_commit([&commits] { ++commits; });
  EXPECT_EQ(aborts, 1) << "outside atomic blocks an abort handler never runs";
  EXPECT_EQ(commits, 1) << "and a commit handler runs at once";
}

// Every handler is deleted once, whichever end its block had: it runs at
// one end and is dropped at the other.
TEST_F(Atomic, EveryHandlerIsDeletedOnceAtEitherEnd) {
  Cell *c = committed_cell(0);
  as(1);
  struct counted {
    int *deleted;
    bool owner = true;
    explicit counted(int *d) : deleted(d) {}
    counted(counted &&o) noexcept : deleted(o.deleted) { o.owner = false; }
    counted(const counted &) = delete;
    ~counted() {
      if (owner)
        ++*deleted;
    }
    void operator()() const {}
  };
  int deleted = 0, attempts = 0;
  stm::atomic([&] {
    ++attempts;
    stm::on_commit(counted(&deleted));
    stm::on_abort(counted(&deleted));
    if (attempts == 1)
      foreign_write(c, 5);
    set(c, get(c) + 1);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(deleted, 4) << "two handlers in each of two attempts";
  EXPECT_THROW(stm::atomic_cancel([&] {
                 stm::on_commit(counted(&deleted));
                 stm::on_abort(counted(&deleted));
                 throw 1;
               }),
               int);
  EXPECT_EQ(deleted, 6);
}

// The runtime's own work at the end of a block (the transaction queue's tasks)
// is done before the program's handlers run: a task that a handler's block
// adds is queued with it, not dropped with the aborted attempt's.
TEST_F(Atomic, TasksAHandlersBlockAddsAreQueuedWithIt) {
  Cell *c = committed_cell(0);
  as(1);
  stm::transaction_queue queue;
  int attempts = 0;
  stm::atomic([&] {
    ++attempts;
    stm::on_abort([&queue] { stm::atomic([&] { queue.add([] {}); }); });
    queue.add([] {});
    if (attempts == 1)
      foreign_write(c, 5);
    set(c, get(c) + 1);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(queue.size(), 2u) << "the handler's task and the committed attempt's";
}

// An atomic block an abort handler runs is a block of its own, not an
// attempt of the block being retried: after STMIFY_RETRY_LIMIT (10) aborts
// the next attempt is inevitable however many blocks the handlers committed
// meanwhile, and none of the handlers' blocks inherits those aborts.
TEST_F(Atomic, AHandlersBlockIsNotAnAttemptOfTheRetriedBlock) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0, handler_blocks = 0, handler_inevitable = 0;
  bool last_inevitable = false;
  stm::atomic([&] {
    ++attempts;
    stm::on_abort([c, &handler_blocks, &handler_inevitable] {
      stm::atomic([&] {
        (void)get(c);
        handler_inevitable += stm::is_inevitable();
      });
      ++handler_blocks;
    });
    last_inevitable = stm::is_inevitable();
    if (attempts <= 10)
      foreign_write(c, attempts);
    set(c, get(c) + 1);
  });
  EXPECT_EQ(attempts, 11);
  EXPECT_EQ(handler_blocks, 10);
  EXPECT_EQ(handler_inevitable, 0) << "a handler's block has no aborts behind it";
  EXPECT_TRUE(last_inevitable);
}

TEST_F(Atomic, AtomicCancelRollsBack) {
  Cell *c = committed_cell(4);
  as(1);
  EXPECT_THROW(stm::atomic_cancel([&] {
                 set(c, 99);
                 stm::make<Cell>();
                 throw 42;
               }),
               int);
  EXPECT_EQ(get(c), 4);
  EXPECT_EQ(stm::atomic_cancel([&] { return get(c) + 1; }), 5);
  EXPECT_THROW(stm::atomic([&] { stm::atomic_cancel([] {}); }), stm::nesting_error);
}

struct Cancelled {
  Cell *made;
};

// The objects a cancelled block created survive if something still refers
// to them, such as the exception that cancelled it.
TEST_F(Atomic, AtomicCancelKeepsTheObjectsItsExceptionRefersTo) {
  as(0);
  Cell *made = nullptr;
  try {
    stm::atomic_cancel([&] {
      Cell *c = stm::make<Cell>();
      set(c, 42);
      throw Cancelled{c};
    });
  } catch (const Cancelled &e) {
    made = e.made;
  }
  ASSERT_NE(made, nullptr);
  Cell *next = stm::make<Cell>(); // would take a freed object's slot
  set(next, 7);
  EXPECT_NE(next, made);
  EXPECT_EQ(get(made), 42);
  publish();
  as(1);
  EXPECT_EQ(get(made), 42) << "published with what the thread does outside atomic blocks";
}

TEST_F(Atomic, NestedBlocksCommitWithTheOutermost) {
  Cell *c = committed_cell(0);
  as(1);
  stm::atomic([&] {
    stm::atomic([&] { set(c, 1); });
    EXPECT_TRUE(stm::is_atomic());
    as(2);
    stm_start_transaction();
    EXPECT_EQ(get(c), 0) << "not committed yet";
    EXPECT_EQ(stm_commit_transaction(), 0);
    as(1);
  });
  EXPECT_EQ(get(c), 1);
  EXPECT_THROW(stm::atomic([] { stm::exclusive_atomic([] {}); }), stm::nesting_error);
}

TEST_F(Atomic, ALosingBlockBecomesInevitableAfterTheRetryLimit) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0;
  bool finished_inevitable = false;
  stm::atomic([&] {
    ++attempts;
    if (stm::is_inevitable()) {
      finished_inevitable = true;
      set(c, -1);
      return;
    }
    set(c, get(c) + 1);
    foreign_write(c, attempts);
  });
  EXPECT_TRUE(finished_inevitable);
  EXPECT_EQ(attempts, 11) << "STMIFY_RETRY_LIMIT defaults to 10";
  EXPECT_EQ(get(c), -1);
}

// A cancelled block does not run again: it is not an abort in a row of the
// next block, which must not start inevitable after enough cancellations.
TEST_F(Atomic, CancelledBlocksDoNotCountTowardsTheNextBlocksRetryLimit) {
  Cell *c = committed_cell(0);
  as(1);
  for (int i = 0; i < 12; ++i)
    EXPECT_THROW(stm::atomic_cancel([&] {
                   set(c, i);
                   throw std::runtime_error("cancelled");
                 }),
                 std::runtime_error);
  bool inevitable = true;
  stm::atomic([&] {
    inevitable = stm::is_inevitable();
    set(c, 1);
  });
  EXPECT_FALSE(inevitable);
  EXPECT_EQ(get(c), 1);
}

TEST_F(Atomic, ReferencesAndValuesAreReturned) {
  Cell *c = committed_cell(0);
  as(1);
  long outside = 3;
  long &r = stm::atomic([&]() -> long & { return outside; });
  EXPECT_EQ(&r, &outside);
  EXPECT_EQ(stm::atomic([&] { return get(c) + 2; }), 2);
}

TEST_F(Atomic, StatisticsCountCommitsAndAborts) {
  Cell *c = committed_cell(0);
  as(1);
  stm::statistics before = stm::stats();
  int attempts = 0;
  stm::atomic([&] {
    set(c, get(c) + 1);
    if (++attempts == 1)
      foreign_write(c, 1);
  });
  stm::statistics after = stm::stats();
  EXPECT_EQ(after.aborts - before.aborts, 1u);
  EXPECT_EQ(after.commits - before.commits, 2u); // ours and thread 2's
}

// A block that writes nothing begins and commits on a fast path
// (runtime/transaction_fast_path.h) that leaves every other case to the
// general one. Each test below brings one of those cases to such a block.

TEST_F(Atomic, ABlockReadsWhatWasCommittedBeforeItBegan) {
  Cell *c = committed_cell(0);
  as(1);
  EXPECT_EQ(get(c), 0);
  foreign_write(c, 5);
  ASSERT_EQ(get(c), 0) << "outside atomic blocks, thread 1 has not imported the commit yet";
  EXPECT_EQ(stm::atomic([&] { return get(c); }), 5);
}

TEST_F(Atomic, CodeAfterABlockReadsWhatWasCommittedDuringIt) {
  Cell *c = committed_cell(0);
  Cell *d = committed_cell(0);
  as(1);
  EXPECT_EQ(get(c), 0);
  stm::atomic([&] {
    (void)get(d);
    foreign_write(c, 5);
  });
  EXPECT_EQ(get(c), 5);
}

TEST_F(Atomic, WritesOutsideAtomicBlocksArePublishedByAnEmptyBlock) {
  Cell *c = committed_cell(0);
  as(1);
  set(c, 7);
  stm::atomic([] {});
  as(2);
  stm::detail::ambient_boundary("import");
  EXPECT_EQ(get(c), 7);
}

TEST_F(Atomic, ABlockThatWritesNothingRunsItsCommitHandlers) {
  as(1);
  int commits = 0;
  stm::atomic([&] { stm::on_commit([&commits] { ++commits; }); });
  EXPECT_EQ(commits, 1);
}

// A handler of the lost attempt (which aborts at a safe point, not at its
// commit) commits a block of its own, after which the program could begin
// the next block itself (quick_block_test.cpp): the retry must still count
// the attempts before it and become inevitable at the retry limit
// (STMIFY_RETRY_LIMIT, 10 by default).
TEST_F(Atomic, ABlockInAnAbortHandlerDoesNotResetTheRetryLimit) {
  Cell *c = committed_cell(0);
  as(1);
  int attempts = 0, handled = 0;
  bool inevitable = false;
  stm::atomic([&] {
    ++attempts;
    stm::on_abort([&] { stm::atomic([&] { ++handled; }); });
    set(c, get(c) + 1);
    inevitable = stm::is_inevitable();
    if (!inevitable && attempts < 40) {
      foreign_write(c, 100 + attempts);
      _stm_tls.safe_point_countdown = 0;
      stm::detail::safe_point(); // lost: the attempt aborts here
    }
  });
  EXPECT_TRUE(inevitable);
  EXPECT_EQ(attempts, 11);
  EXPECT_EQ(handled, 10);
}

TEST_F(Atomic, ALaterAbortRestoresOnlyItsOwnBlocksLocals) {
  Cell *c = committed_cell(0);
  as(1);
  long local = 1;
  stm::atomic([&] {
    stm::detail::preserve(local);
    local = 2;
  });
  local = 3;
  int attempts = 0;
  stm::atomic([&] {
    ++attempts;
    set(c, get(c) + 1);
    if (attempts == 1)
      foreign_write(c, 10);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(local, 3);
}

TEST_F(Atomic, StatisticsCountABlockThatWritesNothing) {
  as(1);
  stm::statistics before = stm::stats();
  stm::atomic([] {});
  EXPECT_EQ(stm::stats().commits - before.commits, 1u);
}

// The backups of a transaction that writes many objects span several of
// the arena's chunks; an abort restores every object from its own.
TEST_F(Atomic, AnAbortRestoresEveryObjectOfATransactionWithManyBackups) {
  constexpr int kCells = 5000;
  as(0);
  std::vector<Cell *> cells;
  for (int i = 0; i < kCells; ++i) {
    cells.push_back(stm::make<Cell>());
    set(cells.back(), i);
  }
  stm::detail::ambient_boundary("test setup");
  Cell *trigger = committed_cell(0);
  as(1);
  for (int round = 1; round <= 3; ++round) {
    int attempts = 0;
    stm::atomic([&] {
      ++attempts;
      (void)get(trigger);
      for (Cell *c : cells)
        set(c, get(c) + 1);
      if (attempts == 1)
        foreign_write(trigger, round);
    });
    EXPECT_EQ(attempts, 2);
  }
  int wrong = 0;
  for (int i = 0; i < kCells; ++i)
    wrong += get(cells[static_cast<std::size_t>(i)]) != i + 3;
  EXPECT_EQ(wrong, 0);
}

// Read versions wrap every 65 535 attempts (the markers are cleared then): an
// attempt whose version were 0 would find every object it never read marked
// as read by it, one whose version came round again without the clearing
// would find what an attempt 65 535 before it read. The segment skips ahead
// to near the wrap, after marks of some versions (those the wrap must clear).
TEST_F(Atomic, ReadVersionsWrapWithoutFalseOrMissedConflicts) {
  Cell *read = committed_cell(0);
  Cell *unread = committed_cell(0);
  Cell *written = committed_cell(0);
  as(1);
  int wrong = 0;
  for (int i = 1; i <= 600; ++i) {
    if (i == 300) // the marks from attempts 1 to 299 stay behind
      stm::testing::skip_read_versions_to(_STM_LAST_READ_VERSION - 100);
    const bool conflict = i % 10 == 0;
    int attempts = 0;
    stm::atomic([&] {
      ++attempts;
      const long v = get(read);
      if (attempts == 1)
        foreign_write(conflict ? read : unread, i);
      set(written, v);
    });
    wrong += attempts != (conflict ? 2 : 1);
  }
  EXPECT_EQ(wrong, 0);
}

// The wrap clears the marks of every earlier version: once the versions come
// round again, no transaction, in a block or outside, finds an object marked
// as read by it that it did not read (and none takes version 0, which every
// object nobody marked carries). In the first round nothing calls the runtime
// between blocks, so that they begin quickly (in stmify/detail/barriers.h),
// the one after the last version too.
TEST_F(Atomic, AReadVersionThatComesRoundAgainFindsNoOldMarks) {
  std::vector<Cell *> cells;
  for (int i = 0; i < 200; ++i)
    cells.push_back(committed_cell(0));
  as(1);
  for (Cell *c : cells)
    stm::atomic([&] { (void)get(c); });
  int marked = 0;
  const auto count_marked = [&] {
    for (Cell *c : cells)
      marked += stm::testing::header_was_read(c);
  };
  for (int round = 0; round < 2; ++round) {
    stm::testing::skip_read_versions_to(_STM_LAST_READ_VERSION - 10);
    for (int i = 0; i < 1000; ++i) {
      stm::atomic(count_marked);
      if (round == 1)
        count_marked();
    }
  }
  EXPECT_EQ(marked, 0);
}

// A block that wrote commits without the general path when no other commit
// came since it last validated; what it wrote still counts as committed in
// its own segment: the next block's first write backs it up again (the
// object's write-barrier flag is set again), so an abort restores it.
TEST_F(Atomic, ALaterAbortRestoresWhatTheBlockBeforeItWrote) {
  Cell *c = committed_cell(0);
  Cell *trigger = committed_cell(0);
  as(1);
  stm::atomic([&] { set(c, 1); });
  int attempts = 0;
  stm::atomic([&] {
    ++attempts;
    (void)get(trigger);
    set(c, get(c) + 1);
    if (attempts == 1)
      foreign_write(trigger, 1);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(get(c), 2) << "the first attempt's write was rolled back to 1";
  as(2);
  stm::detail::ambient_boundary("import");
  EXPECT_EQ(get(c), 2);
}

// The same for one card of a long array: its flag is cleared at the commit.
TEST_F(Atomic, ALaterAbortRestoresTheCardTheBlockBeforeItWrote) {
  as(0);
  stm::array<long> *a = stm::make_array<long>(100000);
  publish();
  Cell *trigger = committed_cell(0);
  as(1);
  stm::atomic([&] { stm::loc(a)->set(10, 1); });
  int attempts = 0;
  stm::atomic([&] {
    ++attempts;
    (void)get(trigger);
    stm::loc(a)->set(10, stm::loc(a)->get(10) + 1);
    if (attempts == 1)
      foreign_write(trigger, 1);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(stm::loc(a)->get(10), 2);
}

TEST_F(Atomic, ObjectsABlockCreatesArePublishedWithItsWrites) {
  Cell *c = committed_cell(0);
  as(0);
  Node *root = stm::make<Node>();
  publish();
  as(1);
  stm::atomic([&] {
    Node *n = stm::make<Node>();
    stm::wr(n)->key = 42;
    stm::wr(root)->next = n;
    set(c, 1);
  });
  as(2);
  stm::detail::ambient_boundary("import");
  EXPECT_EQ(get(c), 1);
  Node *n = stm::rd(root)->next;
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(stm::rd(n)->key, 42);
}

// Objects of every size up to 80 bytes (header included) are backed up by
// the write barrier's slow path and put back by an abort, every byte.
TEST_F(Atomic, AnAbortRestoresObjectsOfEverySmallSize) {
  Cell *trigger = committed_cell(0);
  EXPECT_EQ(wrongly_restored<1>(trigger), 0);
  EXPECT_EQ(wrongly_restored<2>(trigger), 0);
  EXPECT_EQ(wrongly_restored<3>(trigger), 0);
  EXPECT_EQ(wrongly_restored<4>(trigger), 0);
  EXPECT_EQ(wrongly_restored<5>(trigger), 0);
  EXPECT_EQ(wrongly_restored<6>(trigger), 0);
  EXPECT_EQ(wrongly_restored<7>(trigger), 0);
  EXPECT_EQ(wrongly_restored<8>(trigger), 0);
  EXPECT_EQ(wrongly_restored<9>(trigger), 0);
}

} // namespace
} // namespace stmtest
