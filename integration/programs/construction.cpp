// Managed objects built outside atomic blocks whose constructors reach the
// runtime before they finish: they make other managed objects (in the
// initializer list, or in default member initializers of a class whose
// constructor the compiler writes) and loop. Code outside atomic blocks
// publishes what it did at such points; a half-built object must not be
// published then, with its later fields lost to every other thread. The
// threads that read the objects run after they are built.
#include <stmify/stm.hpp>

#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

struct Leaf : stm::object {
  long weight;
  explicit Leaf(long weight) : weight(weight) {}
};

struct Branch : stm::object {
  long before;
  Leaf *left;
  long middle;
  Leaf *right;
  long after;
  Branch(long seed)
      : before(seed), left(stm::make<Leaf>(seed * 2)), middle(seed + 1),
        right(stm::make<Leaf>(seed * 3)), after(seed + 2) {}
};

// No constructor written: value-initialisation zeroes it, then the default
// member initializers run, making leaves.
struct Defaults : stm::object {
  Leaf *first = stm::make<Leaf>(5);
  long count = 7;
  Leaf *second = stm::make<Leaf>(11);
  long total = 13;
};

struct Counted : stm::object {
  long sum = 0;
  long last = 0;
  explicit Counted(long n) {
    for (long i = 1; i <= n; ++i) // safe points on the way
      sum += i;
    last = n;
  }
};

// Made inside an atomic block, its constructor takes a lock: the block
// becomes inevitable and publishes what it did so far when the lock is
// released, before the constructor has set its last field.
std::mutex registry_lock;
long registered = 0;
long register_one() {
  std::lock_guard<std::mutex> guard(registry_lock);
  return ++registered;
}

struct Registered : stm::object {
  long first;
  long number;
  long last;
  Registered() : first(1), number(register_one()), last(3) {}
};

long read_all(const std::vector<Branch *> &branches, Defaults *d, Counted *c) {
  return stm::atomic([&] {
    long total = 0;
    for (const Branch *b : branches)
      total += b->before + b->left->weight + b->middle + b->right->weight + b->after;
    total += d->first->weight + d->count + d->second->weight + d->total;
    return total + c->sum + c->last;
  });
}

int main() {
  std::vector<Branch *> branches;
  for (long i = 0; i < 200; ++i)
    branches.push_back(stm::make<Branch>(i));
  Defaults *d = stm::make<Defaults>();
  Counted *c = stm::make<Counted>(5000);
  Registered *r = stm::atomic([] { return stm::make<Registered>(); });
  const long expected = read_all(branches, d, c) + r->first + r->number + r->last;
  std::vector<long> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      seen[t] =
          read_all(branches, d, c) + stm::atomic([&] { return r->first + r->number + r->last; });
    });
  for (std::thread &th : threads)
    th.join();
  bool ok = true;
  for (int t = 0; t < 4; ++t) {
    std::printf("thread %d: %ld\n", t, seen[t]);
    ok = ok && seen[t] == expected;
  }
  std::printf("expected %ld\n%s\n", expected, ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
