// list KEYS UPDATE%: a sorted linked set of keys below KEYS (256 or 4096),
// half full at the start; an operation is an insert or a remove (each
// UPDATE% / 2 of them) or a lookup. Check: the keys are sorted, distinct and
// in range, and their number is the start's plus the inserts minus the
// removes that succeeded.
#include "harness.h"

struct Node : stm::object {
  long key;
  Node *next;
  Node(long Key, Node *Next) : key(Key), next(Next) {}
};

struct SortedList {
  Node *head = stm::make<Node>(-1, nullptr); // a sentinel before every key
  long keys, updates;
  long initial = 0;
  bench::PerThreadCount changes; // inserts minus removes
  bench::PerThreadCount hits;    // operations that found their key

  explicit SortedList(const bench::Options &O)
      : keys(O.arg(0, 256)), updates(O.arg(1, 20)), changes(O.Threads), hits(O.Threads) {
    Node *Last = head;
    for (long K = 0; K < keys; K += 2) {
      Last->next = stm::make<Node>(K, nullptr);
      Last = Last->next;
      ++initial;
    }
  }

  void operation(bench::Random &R, unsigned Thread) {
    long Key = R.below(static_cast<unsigned>(keys));
    unsigned Kind = R.below(100);
    long Change = 0;
    bool Hit = false;
    stm::atomic([&] {
      Change = 0;
      Node *Prev = head;
      Node *Cur = Prev->next;
      while (Cur && Cur->key < Key) {
        Prev = Cur;
        Cur = Cur->next;
      }
      bool Found = Cur && Cur->key == Key;
      Hit = Found;
      if (Kind < updates / 2) {
        if (!Found) {
          Prev->next = stm::make<Node>(Key, Cur);
          Change = 1;
        }
      } else if (Kind < updates) {
        if (Found) {
          Prev->next = Cur->next;
          bench::retire(Cur);
          Change = -1;
        }
      }
    });
    changes.add(Thread, Change);
    hits.add(Thread, Hit); // the lookup's result is used
  }

  bool check(const bench::Options &O) const {
    long Count = 0, Last = -1;
    for (Node *N = head->next; N; N = N->next, ++Count)
      if (N->key <= Last || N->key >= keys)
        return false;
      else
        Last = N->key;
    return Count == initial + changes.total() && hits.total() <= O.Ops;
  }
};

BENCH_MAIN("list", SortedList)
