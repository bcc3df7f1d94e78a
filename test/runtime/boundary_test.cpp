// The boundary with the rest of threaded C++: real threads that block, lock
// and synchronise outside and inside atomic blocks, with fewer segments than
// threads and collections during the waits. The code is what the transformer
// would emit (safe points at function entries and loop back-edges); a hang
// here is a failure (the test's timeout, and the runtime's watchdog, say
// where).
#include "objects.h"

#include "test_environment.h"
#include "testing.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <unistd.h>
#include <vector>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"}, {"STMIFY_HEAP_LIMIT", "16M"},
                        {"STMIFY_WATCHDOG", "5"});

namespace stmtest {
namespace {

// Allocates about `bytes` of garbage: enough to start collections.
void churn(std::size_t bytes) {
  for (std::size_t made = 0; made < bytes; made += 32) {
    stm::detail::safe_point();
    stm::make<Cell>();
  }
}

// A thread that owns a lock while it allocates (and so collects) must not
// wait for a thread blocked on that lock: the blocked thread holds no segment
// and counts as stopped.
TEST(Boundary, CollectingWhileAnotherThreadWaitsForTheLockDoesNotHang) {
  std::mutex m;
  std::atomic<bool> owner_ready{false};
  const auto collections = stm::stats().collections;
  std::thread owner([&] {
    stm::detail::safe_point();
    std::lock_guard<std::mutex> g(m);
    owner_ready = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // let the other one block
    churn(24u << 20);
  });
  std::thread waiter([&] {
    stm::detail::safe_point();
    while (!owner_ready)
      stm::detail::safe_point();
    std::lock_guard<std::mutex> g(m);
    stm::make<Cell>();
  });
  owner.join();
  waiter.join();
  EXPECT_GT(stm::stats().collections, collections);
}

// Two threads writing shared objects outside atomic blocks, one of them
// while it waits for a lock the other holds: writes take no inevitable slot,
// so neither waits for the other.
TEST(Boundary, WritesOutsideAtomicBlocksAroundALockDoNotDeadlock) {
  Cell *x = stm::make<Cell>();
  Cell *y = stm::make<Cell>();
  publish();
  std::mutex m;
  std::atomic<bool> b_holds{false};
  std::thread b([&] {
    stm::detail::safe_point();
    std::lock_guard<std::mutex> g(m);
    b_holds = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    set(y, 2);
  });
  while (!b_holds)
    stm::detail::safe_point();
  set(x, 1); // an ambient write, not published yet
  {
    std::lock_guard<std::mutex> g(m);
  }
  b.join();
  EXPECT_EQ(get(y), 2) << "join refreshes the view";
  EXPECT_EQ(get(x), 1);
}

// A thread started with a new object made in its argument list sees the
// object: the creator publishes when the thread is created, after the
// arguments were evaluated.
TEST(Boundary, AThreadStartedWithANewObjectSeesIt) {
  struct Task : stm::object {
    long id = 0;
    explicit Task(long i) : id(i) {}
    using __stmify_traced_type = Task;
    static void __stmify_trace(const void *, stm_visit_fn, void *) {}
  };
  constexpr int kThreads = 50;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back(
        [&wrong](Task *t, long expected) {
          stm::detail::safe_point();
          if (stm::rd(t)->id != expected)
            ++wrong;
        },
        stm::make<Task>(i + 1000), i + 1000);
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A new object handed over through a std::atomic release store and acquire
// load (with the edges the transformer marks around such operations) is seen
// in full by the receiving thread.
TEST(Boundary, AReleaseAcquireHandOffPublishesTheObject) {
  constexpr int kRounds = 200;
  std::atomic<Cell *> slot{nullptr};
  std::atomic<int> wrong{0};
  std::thread consumer([&] {
    stm::detail::safe_point();
    for (int i = 0; i < kRounds; ++i) {
      stm::detail::safe_point();
      Cell *c = nullptr;
      while (!(c = stm::detail::synchronizing(
                   "load", [&] { return slot.exchange(nullptr, std::memory_order_acq_rel); })))
        stm::detail::safe_point();
      if (stm::rd(c)->value != i || stm::rd(c)->other != -i)
        ++wrong;
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    stm::detail::safe_point();
    Cell *c = stm::make<Cell>();
    stm::wr(c)->value = i;
    stm::wr(c)->other = -i;
    stm::detail::synchronizing("store", [&] { slot.store(c, std::memory_order_release); });
    while (slot.load(std::memory_order_acquire) != nullptr)
      stm::detail::safe_point();
  }
  consumer.join();
  EXPECT_EQ(wrong.load(), 0);
}

// An inevitable atomic block that waits for a lock must not deadlock with the
// lock's owner writing outside atomic blocks: the owner's publication at the
// unlock does not touch what the block read.
TEST(Boundary, AnInevitableBlockWaitingForALockLetsItsOwnerPublish) {
  Cell *x = stm::make<Cell>();
  Cell *y = stm::make<Cell>();
  publish();
  std::mutex m;
  std::atomic<bool> b_holds{false};
  std::thread b([&] {
    stm::detail::safe_point();
    m.lock();
    b_holds = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the block waits meanwhile
    set(y, 1);
    m.unlock();
  });
  while (!b_holds)
    stm::detail::safe_point();
  long seen = 0;
  stm::atomic([&] {
    set(x, get(x) + 1);
    stm::become_inevitable("test");
    m.lock(); // suspends the inevitable transaction while it waits
    seen = get(y);
    m.unlock();
  });
  b.join();
  EXPECT_EQ(seen, 1) << "the lock's acquire shows what its owner wrote";
  EXPECT_EQ(get(x), 1);
}

// Atomic blocks that lock the same mutex: each takes the inevitable slot
// before the lock, never while holding it, or one would hold the mutex and
// wait for the slot while the slot's holder waits for the mutex.
TEST(Boundary, AtomicBlocksLockingOneMutexDoNotDeadlock) {
  Cell *total = stm::make<Cell>();
  publish();
  std::mutex m;
  constexpr int kThreads = 3, kBlocks = 300;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      for (int b = 0; b < kBlocks; ++b) {
        stm::detail::safe_point();
        stm::atomic([&] {
          {
            std::lock_guard<std::mutex> g(m);
          } // inevitable from here on
          std::lock_guard<std::mutex> g(m);
          set(total, get(total) + 1);
        });
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(get(total), kThreads * kBlocks);
}

// Transactions that become inevitable one after another while others
// commit: the slot's release must wake every waiter, also one that found
// the slot held just before it was given up.
TEST(Boundary, GivingTheInevitableSlotUpWakesItsWaiters) {
  constexpr int kThreads = 4, kBlocks = 5000;
  std::vector<Cell *> cells;
  for (int i = 0; i < kThreads; ++i)
    cells.push_back(stm::make<Cell>());
  publish();
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      for (int b = 0; b < kBlocks; ++b) {
        stm::detail::safe_point();
        stm::atomic([&] {
          if (b % 2 == i % 2)
            stm::become_inevitable("test");
          if (b % 3 != 0) // an inevitable block without writes gives the slot up too
            set(cells[i], get(cells[i]) + 1);
        });
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (int i = 0; i < kThreads; ++i)
    EXPECT_EQ(get(cells[i]), kBlocks - (kBlocks + 2) / 3);
}

// A release inside an atomic block publishes what the block wrote so far:
// the thread that takes the lock next sees it before the block commits, as
// in the fallback build.
TEST(Boundary, AnUnlockInsideAnAtomicBlockPublishesItsWrites) {
  Cell *x = stm::make<Cell>();
  publish();
  std::mutex m;
  m.lock();
  std::atomic<long> seen_by_b{-1};
  std::thread b([&] {
    stm::detail::safe_point();
    std::lock_guard<std::mutex> g(m);
    seen_by_b = get(x);
  });
  stm::atomic([&] {
    set(x, 5);
    m.unlock(); // becomes inevitable and publishes x = 5
    while (seen_by_b < 0)
      stm::detail::safe_point();
  });
  b.join();
  EXPECT_EQ(seen_by_b.load(), 5);
}

// Outside atomic blocks, a lock is an acquire edge: the thread imports what
// was committed before it, with no safe point in between (most locks find
// nothing to import, and take a fast path that must not miss this).
TEST(Boundary, ALockOutsideAtomicBlocksImportsWhatWasCommittedBeforeIt) {
  Cell *x = stm::make<Cell>();
  publish();
  std::mutex m;
  std::atomic<bool> committed{false};
  std::thread b([&] {
    stm::detail::safe_point();
    stm::atomic([&] { set(x, 5); });
    committed = true;
  });
  while (!committed) { // no safe point: nothing is imported
  }
  const long before = get(x);
  long seen;
  {
    std::lock_guard<std::mutex> g(m);
    seen = get(x);
  }
  b.join();
  EXPECT_EQ(before, 0);
  EXPECT_EQ(seen, 5);
}

// Outside atomic blocks, an unlock is a release edge: what the thread wrote
// is published, for the next owner of the lock to see.
TEST(Boundary, AnUnlockOutsideAtomicBlocksPublishesWhatTheThreadWrote) {
  Cell *x = stm::make<Cell>();
  publish();
  std::mutex m;
  std::atomic<bool> unlocked{false};
  std::atomic<long> seen{-1};
  std::thread b([&] {
    stm::detail::safe_point();
    while (!unlocked)
      stm::detail::safe_point();
    std::lock_guard<std::mutex> g(m);
    seen = get(x);
  });
  {
    std::lock_guard<std::mutex> g(m);
    set(x, 5);
  }
  unlocked = true;
  while (seen < 0) // no safe point: nothing is published but by the unlock
  {
  }
  b.join();
  EXPECT_EQ(seen.load(), 5);
}

// Outside atomic blocks, straight-line code reads one snapshot: a write to
// an unrelated object between two reads imports nothing.
TEST(Boundary, StraightLineCodeOutsideAtomicBlocksReadsOneSnapshot) {
  Cell *xy = stm::make<Cell>(); // value + other == 0 always
  Cell *unrelated = stm::make<Cell>();
  publish();
  std::atomic<bool> stop{false};
  std::atomic<long> commits{0};
  std::thread writer([&] {
    stm::detail::safe_point();
    for (long i = 1; !stop; ++i) {
      stm::detail::safe_point();
      stm::atomic([&] {
        stm::wr(xy)->value = i;
        stm::wr(xy)->other = -i;
      });
      commits.store(i, std::memory_order_relaxed);
    }
  });
  int broken = 0;
  for (int round = 0; round < 200; ++round) {
    stm::detail::safe_point();
    const long a = stm::rd(xy)->value;
    // Straight-line code (no safe point, no synchronisation the runtime
    // sees) while the writer commits at least once more.
    const long seen = commits.load(std::memory_order_relaxed);
    while (commits.load(std::memory_order_relaxed) == seen) {
    }
    set(unrelated, round);
    const long b = stm::rd(xy)->other;
    broken += a + b != 0;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(broken, 0);
}

// A transaction queue with more workers than segments: a worker never waits
// for a segment while holding the queue's lock (workers that hold segments
// need that lock to finish).
TEST(Boundary, AQueueWithMoreWorkersThanSegmentsRunsEveryTask) {
  std::vector<Cell *> cells;
  for (int i = 0; i < 64; ++i)
    cells.push_back(stm::make<Cell>());
  publish();
  long expected = 0;
  for (unsigned workers = stm::segment_limit() + 1; workers <= 4 * stm::segment_limit();
       ++workers) {
    stm::transaction_queue tq(workers);
    for (int i = 0; i < 2000; ++i) {
      // A task that reaches no safe point (it only computes), so that its
      // worker keeps its segment until the task ends.
      tq.add([c = cells[static_cast<std::size_t>(i) % cells.size()]] {
        volatile long spin = 0;
        for (int k = 0; k < 20000; ++k)
          spin = spin + k;
        set(c, get(c) + 1);
      });
      ++expected;
    }
    tq.run();
  }
  long total = 0;
  for (Cell *c : cells)
    total += get(c);
  EXPECT_EQ(total, expected);
}

// More threads than segments, each blocking often (giving its segment up and
// taking one back, often a stale one that must be copied from another) while
// others collect: segment hand-offs, heap copies and collections must not
// wait for each other, nor run into each other.
TEST(Boundary, SegmentHandOffsDuringCollectionsDoNotHang) {
  Cell *shared = stm::make<Cell>();
  publish();
  const auto collections = stm::stats().collections;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 3 * stm::segment_limit(); ++t)
    threads.emplace_back([t, shared] {
      stm::detail::safe_point();
      for (int i = 0; i < 300; ++i) {
        stm::detail::safe_point();
        churn(16u << 10);
        stm::atomic([shared] { set(shared, get(shared) + 1); });
        if (t == 0 && i % 10 == 0)
          stm::testing::make_idle_segments_stale();
        usleep(0);
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT_GT(stm::stats().collections, collections);
  EXPECT_EQ(get(shared), 300 * 3 * static_cast<long>(stm::segment_limit()));
}

// A thread blocked in a wait (or anywhere else) holds no segment and does not
// hold a collection up: here it waits for the collection itself.
TEST(Boundary, ACollectionDoesNotWaitForABlockedThread) {
  std::mutex m;
  std::condition_variable cv;
  bool collected = false, waiting = false;
  std::thread waiter([&] {
    stm::detail::safe_point();
    stm::make<Cell>();
    std::unique_lock<std::mutex> lock(m);
    waiting = true;
    cv.notify_all();
    cv.wait(lock, [&] { return collected; });
  });
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return waiting; });
  }
  stm::collect();
  {
    std::lock_guard<std::mutex> lock(m);
    collected = true;
  }
  cv.notify_all();
  waiter.join();
}

// The runtime's own locks are not the program's: registering a type (the
// first stm::make of a class, often inside a function-local static's
// initialiser) or reading the statistics in an atomic block must not make it
// inevitable. It did, and deadlocked: an inevitable block waiting for the
// static's guard, held by a block waiting for the inevitable slot.
TEST(Boundary, RuntimeServicesInAnAtomicBlockDoNotMakeItInevitable) {
  static stm_type_descriptor_t type = {"registered_in_a_block", 16, 16, 0, nullptr, 0};
  bool inevitable = true;
  std::thread worker([&] {
    stm::atomic([&] {
      EXPECT_NE(stm_register_type(&type), 0u);
      stm_statistics_t statistics;
      stm_get_statistics(&statistics);
      EXPECT_NE(stm_heap_exhausted_message(), nullptr);
      inevitable = stm_is_inevitable() != 0;
    });
  });
  worker.join();
  EXPECT_FALSE(inevitable);
}

// The first stm::make of a type initialises a function-local static of
// stmify's header (the type's descriptor): inside an atomic block, that must
// not make the block inevitable (an atomic_cancel could then not throw). It
// did when taking a static's guard made blocks inevitable.
TEST(Boundary, TheFirstObjectOfATypeMadeInAnAtomicBlockLeavesItOptimistic) {
  struct FirstOfItsKind : stm::object {
    long value = 0;
    using __stmify_traced_type = FirstOfItsKind;
    static void __stmify_trace(const void *, stm_visit_fn, void *) {}
  };
  bool inevitable = true, cancelled = false;
  std::thread worker([&] {
    try {
      stm::atomic_cancel([&] {
        stm::make<FirstOfItsKind>();
        inevitable = stm_is_inevitable() != 0;
        throw 1;
      });
    } catch (int) {
      cancelled = true;
    }
  });
  worker.join();
  EXPECT_FALSE(inevitable);
  EXPECT_TRUE(cancelled);
}

// Waits without a call the runtime sees (a sleep would publish).
void spin_for(std::chrono::milliseconds time) {
  const auto end = std::chrono::steady_clock::now() + time;
  while (std::chrono::steady_clock::now() < end) {
  }
}

// An inevitable block that waits for a static's guard, having read what the
// initialiser (outside atomic blocks) writes: the end of the initialisation
// must not wait for the block to publish, or neither ever goes on.
std::atomic<bool> g_initialising{false};
Cell *g_read_by_the_waiter = nullptr;

long initialise_writing_what_the_waiter_read() {
  set(g_read_by_the_waiter, 1);
  g_initialising = true;
  spin_for(std::chrono::milliseconds(200)); // the waiter reads, then waits for the guard
  return 7;
}

long static_written_by_an_ambient_initialiser() {
  static const long value = initialise_writing_what_the_waiter_read();
  return value;
}

TEST(Boundary, AnInevitableBlockWaitingForAStaticDoesNotDeadlockWithItsInitialiser) {
  g_read_by_the_waiter = stm::make<Cell>();
  publish();
  long seen = -1, value = -1;
  std::thread initialiser([&] {
    stm::detail::safe_point();
    static_written_by_an_ambient_initialiser();
  });
  std::thread waiter([&] {
    while (!g_initialising)
      usleep(100);
    stm::atomic([&] {
      stm::become_inevitable("test");
      seen = get(g_read_by_the_waiter);
      value = static_written_by_an_ambient_initialiser();
    });
  });
  initialiser.join();
  waiter.join();
  EXPECT_EQ(value, 7);
  EXPECT_EQ(seen, 0); // its snapshot predates the initialiser's publication
}

// What a static's initialiser wrote outside atomic blocks is seen by a thread
// that waited for the initialisation: the end of the initialisation is a
// release, as the C++ memory model says.
Cell *make_slowly(std::atomic<bool> &started) {
  Cell *c = stm::make<Cell>();
  set(c, 42);
  started = true;
  spin_for(std::chrono::milliseconds(100)); // the other thread waits for the guard meanwhile
  return c;
}

TEST(Boundary, AThreadWaitingForAStaticSeesWhatItsInitialiserWrote) {
#if __has_feature(thread_sanitizer)
  GTEST_SKIP() << "ThreadSanitizer defines the guard functions itself: the runtime leaves them";
#endif
  static std::atomic<bool> started{false};
  auto shared = [] {
    static Cell *const cell = make_slowly(started);
    return cell;
  };
  long seen = -1;
  std::thread waiter([&] {
    while (!started)
      usleep(100);
    stm::detail::safe_point();
    seen = get(shared());
  });
  std::thread maker([&] {
    stm::detail::safe_point();
    shared();
    spin_for(std::chrono::milliseconds(200)); // nothing else publishes before the waiter reads
  });
  maker.join();
  waiter.join();
  EXPECT_EQ(seen, 42);
}

// What a barrier's fast path reads of the segment (its base, the offset mask,
// the read version) stm::detail::safe_point_in_block tells the optimiser a
// safe point's slow path inside an atomic block leaves as it found it. Here
// the slow path is called directly, so that nothing assumed hides a change,
// while another thread commits what the blocks read (validation imports it
// and dooms them, and retries make them inevitable) and collects (the blocks
// park in the safe points), and a third one waits for a segment (outside
// blocks, threads take turns at safe points; inside, never).
TEST(Boundary, ASafePointInsideAnAtomicBlockKeepsTheSegmentView) {
  constexpr int kCells = 64;
  constexpr int kBlocks = 40;
  std::vector<Cell *> cells;
  for (int i = 0; i < kCells; ++i)
    cells.push_back(stm::make<Cell>());
  Cell *shared = stm::make<Cell>();
  publish();
#if __has_feature(thread_sanitizer)
  // Each takes seconds there: the root scan reads the page map of the
  // sanitizer's shadow memory.
  constexpr int kCollections = 0;
#else
  constexpr int kCollections = 8;
#endif
  std::atomic<long> checked{0};
  std::atomic<long> changed{0};
  std::atomic<bool> in_block{false};
  std::atomic<bool> done{false};
  std::thread other([&] {
    stm::detail::safe_point();
    for (int collections = 0; !done;) {
      stm::detail::safe_point();
      stm::atomic([&] { set(shared, get(shared) + 1); });
      if (in_block && collections < kCollections) {
        stm_collect();
        ++collections;
      }
    }
  });
  std::thread waiting([&] {
    while (!done) {
      stm::detail::safe_point();
      (void)get(shared);
    }
  });
  for (int block = 0; block < kBlocks; ++block) {
    stm::atomic([&] {
      (void)get(shared);
      in_block = true;
      for (Cell *cell : cells) {
        const _stm_segment_word_t base = _stm_tls.segment_base;
        const _stm_segment_word_t mask = _stm_tls.offset_mask;
        const _stm_read_version_t version = _stm_tls.read_version;
        (void)_stm_safe_point_slowpath(1); // a doomed block aborts at its commit
        ++checked;
        if (_stm_tls.segment_base != base || _stm_tls.offset_mask != mask ||
            _stm_tls.read_version != version)
          ++changed;
        set(cell, get(cell) + 1);
      }
    });
    in_block = false;
    stm::detail::safe_point();
  }
  done = true;
  join_all(other);
  join_all(waiting);
  EXPECT_GE(checked.load(), kBlocks * kCells);
  EXPECT_EQ(changed.load(), 0);
  for (Cell *cell : cells)
    EXPECT_EQ(get(cell), kBlocks);
}

} // namespace
} // namespace stmtest
