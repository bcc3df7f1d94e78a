// Managed references held in std::optional, std::variant, a member of an
// unnamed struct type, an anonymous struct and a typedef'd unnamed struct
// keep their objects alive: after collections and much garbage, every object
// still holds its value.
#include <stmify/stm.hpp>

#include <cstdio>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

struct Leaf : stm::object {
  long value = 0;
};

typedef struct {
  Leaf *leaf;
} Slot;

struct Holder : stm::object {
  std::optional<Leaf *> maybe;
  std::variant<long, Leaf *> either;
  struct {
    Leaf *leaf = nullptr;
  } group;
  Slot slot{};
};

Leaf *leaf(long value) {
  Leaf *l = stm::make<Leaf>();
  l->value = value;
  return l;
}

// The only references to the leaves are inside the holders.
std::vector<Holder *> build(int count) {
  std::vector<Holder *> holders;
  for (int i = 0; i < count; ++i) {
    Holder *h = stm::make<Holder>();
    h->maybe = leaf(i);
    h->either = leaf(1000 + i);
    h->group.leaf = leaf(2000 + i);
    h->slot.leaf = leaf(3000 + i);
    holders.push_back(h);
  }
  return holders;
}

long sum(const std::vector<Holder *> &holders) {
  long s = 0;
  for (Holder *h : holders)
    s += (*h->maybe)->value + std::get<Leaf *>(h->either)->value + h->group.leaf->value +
         h->slot.leaf->value;
  return s;
}

int main() {
  std::vector<Holder *> holders = build(64);
  long before = sum(holders);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([] {
      for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < 5000; ++i)
          stm::atomic([] { leaf(-1); });
        stm::collect();
      }
    });
  for (auto &th : threads)
    th.join();
  long after = sum(holders);
  std::printf("before %ld after %ld\n", before, after);
  return before == after ? 0 : 1;
}
