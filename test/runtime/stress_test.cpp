// Many real threads (more than segments) hammering shared structures; built
// with AddressSanitizer and UBSan. Loops carry the safe points the transformer
// would insert at their back-edges.
#include "objects.h"

#include "test_environment.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <thread>
#include <vector>

// Few segments, many threads, frequent safe points: threads take turns.
STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "2"}, {"STMIFY_HEAP_LIMIT", "16M"},
                        {"STMIFY_SAFE_POINT_INTERVAL", "50"});

namespace stmtest {
namespace {


unsigned thread_count() { return 3 * stm::segment_limit(); }

TEST(Stress, BankTotalHoldsAtEveryObservation) {
  constexpr int kAccounts = 64;
  constexpr long kInitial = 1000;
  constexpr int kTransfers = 4000;
  std::vector<Cell *> accounts;
  for (int i = 0; i < kAccounts; ++i) {
    Cell *a = stm::make<Cell>();
    set(a, kInitial);
    accounts.push_back(a);
  }
  publish();

  std::atomic<bool> done{false};
  std::atomic<long> audits{0}, bad_audits{0};
  std::thread auditor([&] {
    while (!done.load()) {
      stm::detail::safe_point();
      long total = stm::atomic([&] {
        long sum = 0;
        for (Cell *a : accounts)
          sum += get(a);
        return sum;
      });
      audits.fetch_add(1);
      if (total != kInitial * kAccounts)
        bad_audits.fetch_add(1);
    }
  });

  std::vector<std::thread> tellers;
  for (unsigned t = 0; t < thread_count(); ++t)
    tellers.emplace_back([&, t] {
      // Beside busy processes the auditor may otherwise not run before the
      // transfers are over (0 audits in one soak run). Not attached yet, so
      // waiting here holds no segment.
      while (audits.load() == 0)
        std::this_thread::yield();
      std::mt19937 rng(t + 1);
      for (int i = 0; i < kTransfers; ++i) {
        stm::detail::safe_point();
        Cell *from = accounts[rng() % kAccounts];
        Cell *to = accounts[rng() % kAccounts];
        long amount = static_cast<long>(rng() % 20);
        stm::atomic([&] {
          if (get(from) >= amount) {
            set(from, get(from) - amount);
            set(to, get(to) + amount);
          }
        });
      }
    });
  join_all(tellers);
  done.store(true);
  join_all(auditor);
  publish();

  long total = 0;
  for (Cell *a : accounts) {
    EXPECT_GE(get(a), 0);
    total += get(a);
  }
  EXPECT_EQ(total, kInitial * kAccounts);
  EXPECT_GT(audits.load(), 0);
  EXPECT_EQ(bad_audits.load(), 0);
  stm::statistics st = stm::stats();
  std::fprintf(stderr, "commits %llu aborts %llu inevitable %llu audits %ld\n", st.commits, st.aborts, st.inevitable, audits.load());
}

// A sorted linked-list set whose every operation also appends itself to a
// shared log, inside the same atomic block: the log's order is the serial
// order, so replaying it must reproduce every result and the final contents.
struct LogEntry : stm::object {
  int op = 0; // 0 contains, 1 insert, 2 remove
  long key = 0;
  bool result = false;
  LogEntry *prev = nullptr;
  using __stmify_traced_type = LogEntry;
  static void __stmify_trace(const void *o, stm_visit_fn v, void *c) {
    stm::detail::trace_value(static_cast<const LogEntry *>(o)->prev, v, c);
  }
};

struct ListSet : stm::object {
  Node *head = nullptr;
  LogEntry *log = nullptr;
  using __stmify_traced_type = ListSet;
  static void __stmify_trace(const void *o, stm_visit_fn v, void *c) {
    auto *s = static_cast<const ListSet *>(o);
    stm::detail::trace_value(s->head, v, c);
    stm::detail::trace_value(s->log, v, c);
  }
};

bool list_operation(ListSet *set, int op, long key) {
  Node *prev = nullptr, *cur = stm::rd(set)->head;
  while (cur && stm::rd(cur)->key < key) {
    prev = cur;
    cur = stm::rd(cur)->next;
  }
  bool present = cur && stm::rd(cur)->key == key;
  bool result = present;
  if (op == 1 && !present) {
    Node *n = stm::make<Node>();
    stm::wr(n)->key = key;
    stm::wr(n)->next = cur;
    if (prev)
      stm::wr(prev)->next = n;
    else
      stm::wr(set)->head = n;
    result = true;
  } else if (op == 2 && present) {
    Node *after = stm::rd(cur)->next;
    if (prev)
      stm::wr(prev)->next = after;
    else
      stm::wr(set)->head = after;
  } else if (op == 1) {
    result = false;
  }
  LogEntry *e = stm::make<LogEntry>();
  stm::wr(e)->op = op;
  stm::wr(e)->key = key;
  stm::wr(e)->result = result;
  stm::wr(e)->prev = stm::rd(set)->log;
  stm::wr(set)->log = e;
  return result;
}

TEST(Stress, SortedListMatchesASerialReplay) {
  constexpr int kOps = 1500;
  constexpr long kKeys = 128;
  ListSet *set = stm::make<ListSet>();
  publish();

  // Collections keep stopping the threads in the middle of their transactions;
  // halfway through, each thread waits until some have happened, so the test
  // does not depend on how fast the threads run.
  constexpr int kCollectionsBeforeHalfway = 3;
  std::atomic<int> collections_done{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < thread_count(); ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      for (int i = 0; i < kOps; ++i) {
        if (i == kOps / 2)
          while (collections_done.load() < kCollectionsBeforeHalfway) {
            stm::detail::safe_point();
            std::this_thread::yield();
          }
        stm::detail::safe_point();
        int op = static_cast<int>(rng() % 3);
        long key = static_cast<long>(rng() % kKeys);
        stm::atomic([&] { return list_operation(set, op, key); });
      }
    });
  std::atomic<bool> done{false};
  std::thread collector([&] {
    while (!done.load()) {
      stm::collect();
      collections_done.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  join_all(threads);
  done.store(true);
  join_all(collector);
  EXPECT_GE(stm::stats().collections, unsigned{kCollectionsBeforeHalfway});
  publish();

  std::vector<LogEntry *> log;
  for (LogEntry *e = stm::rd(set)->log; e; e = stm::rd(e)->prev)
    log.push_back(e);
  ASSERT_EQ(log.size(), static_cast<std::size_t>(kOps) * thread_count());

  std::set<long> model;
  std::size_t mismatches = 0;
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    const LogEntry *e = stm::rd(*it);
    bool expect;
    if (e->op == 0)
      expect = model.count(e->key) != 0;
    else if (e->op == 1)
      expect = model.insert(e->key).second;
    else
      expect = model.erase(e->key) != 0;
    mismatches += expect != e->result;
  }
  EXPECT_EQ(mismatches, 0u);

  std::vector<long> contents;
  for (Node *n = stm::rd(set)->head; n; n = stm::rd(n)->next)
    contents.push_back(stm::rd(n)->key);
  EXPECT_EQ(contents, std::vector<long>(model.begin(), model.end()));
}

// Several threads build and drop linked lists, many times the heap limit in
// total; every list a thread keeps must stay intact through the collections.
// (Shared with the memory-bound test.)
TEST(Stress, ChurnThroughTheHeapKeepsLiveDataIntact) {
  const std::size_t limit = 16u << 20; // STMIFY_HEAP_LIMIT below
  const std::size_t total = 10 * limit;
  const unsigned threads = thread_count();
  constexpr int kListLength = 128, kKept = 32;
  std::atomic<long> broken{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      std::vector<Node *> kept(kKept, nullptr);
      const long lists = static_cast<long>(total / threads / (kListLength * 32));
      for (long i = 0; i < lists; ++i) {
        stm::detail::safe_point();
        Node *head = nullptr;
        for (int k = 0; k < kListLength; ++k) {
          Node *n = stm::make<Node>();
          stm::wr(n)->key = i * kListLength + k;
          stm::wr(n)->next = head;
          head = n;
        }
        Node *&slot = kept[static_cast<std::size_t>(i) % kKept];
        if (slot) {
          long expect = stm::rd(slot)->key, count = 0;
          for (Node *n = slot; n; n = stm::rd(n)->next, --expect, ++count)
            broken += stm::rd(n)->key != expect;
          broken += count != kListLength;
        }
        slot = head;
      }
    });
  join_all(workers);
  EXPECT_EQ(broken.load(), 0);
  EXPECT_GT(stm::stats().collections, 5u);
}

} // namespace
} // namespace stmtest
