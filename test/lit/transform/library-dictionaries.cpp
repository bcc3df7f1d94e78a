// stm::dict and stm::set: their methods change the trie behind the field, so
// the object holding the field is only read; a value only read through at()
// or an iterator is read through the const accessor or the constant
// iterator (operator[], which may add the key, stays); a range-for by value
// or const reference reads each item as the loop reaches it; a reference to
// a value writes without a hook. A struct element copied whole (`Point a =
// v[i]`, `c = it->second`) is read too.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

struct Item : stm::object {
  long quantity = 0;
};

struct Inventory : stm::object {
  stm::dict<stm::string, Item *> items;
  stm::dict<long, long> totals;
  stm::set<long> seen;
};

stm::dict<long, long> counts;

void record(Inventory *inv, long key) {
  stm::atomic([&] {
    inv->totals[key] += 1;
    inv->seen.insert(key);
    counts.erase(key);
  });
}
// CHECK: stm::rd(inv)->totals[key] += 1;
// CHECK-NEXT: stm::detail::read_again(inv)->seen.insert(key);
// CHECK-NEXT: counts.erase(key);

long lookups(Inventory *inv, long key) {
  return stm::atomic([&] {
    auto found = inv->totals.find(key);
    long value = found == inv->totals.end() ? 0 : found->second;
    return value + inv->totals.at(key) + (*found).second + inv->totals[key];
  });
}
// CHECK: auto found = stm::rd(inv)->totals.find(key);
// CHECK-NEXT: long value = found == stm::detail::read_again(inv)->totals.end() ? 0 : stm::detail::read_only(found)->second;
// CHECK-NEXT: return value + stm::detail::read_only(stm::detail::read_again(inv)->totals).at(key) + (*stm::detail::read_only(found)).second + stm::detail::read_again(inv)->totals[key];

long total(Inventory *inv) {
  long sum = 0;
  for (const auto &[key, value] : inv->totals)
    sum += key * value;
  for (long key : inv->seen)
    sum += key;
  return sum;
}
// CHECK: for (const auto &[key, value] : stm::detail::elements_of(stm::rd(inv)->totals))
// CHECK: for (long key : stm::detail::elements_of(stm::detail::read_again(inv)->seen))

void restock(Inventory *inv, const stm::string &name) {
  stm::atomic([&] {
    for (auto &[key, value] : inv->totals)
      value += 1;
    Item *&slot = inv->items[name];
    if (!slot)
      slot = stm::make<Item>();
    slot->quantity += 1;
    auto it = inv->totals.begin();
    it->second = 0;
  });
}
// CHECK: for (auto &[key, value] : stm::rd(inv)->totals)
// CHECK-NEXT: { stm::detail::safe_point_in_block(); value += 1; }
// CHECK-NEXT: Item *&slot = stm::detail::read_again(inv)->items[name];
// CHECK-NEXT: if (!slot)
// CHECK-NEXT: slot = stm::make<Item>();
// CHECK-NEXT: stm::wr(slot, "{{.*}}")->quantity += 1;
// CHECK-NEXT: auto it = stm::detail::read_again(inv)->totals.begin();
// CHECK-NEXT: it->second = 0;

// An element of a vector read through an iterator that can write.
long first_of(stm::vector<long> &v) {
  return stm::atomic([&] {
    auto it = v.begin();
    return *it;
  });
}
// CHECK: return *stm::detail::read_only(it);

// A struct element copied whole is only read; one written or bound to a
// reference that can write is backed up.
struct Point {
  long x = 0, y = 0;
};
struct Plot : stm::object {
  stm::vector<Point> points;
  stm::dict<long, Point> named;
};

long copies(Plot *p, long k) {
  return stm::atomic([&] {
    Point a = p->points[0];
    Point b = p->named.at(k);
    auto it = p->named.find(k);
    Point c = it->second;
    auto pair = *it;
    a = p->points[1];
    Point &d = p->points[2];
    d.x = a.x + b.x + c.x + pair.second.y;
    p->points[3] = a;
    return d.x;
  });
}
// CHECK: Point a = stm::detail::read_only(stm::rd(p)->points)[0];
// CHECK-NEXT: Point b = stm::detail::read_only(stm::detail::read_again(p)->named).at(k);
// CHECK-NEXT: auto it = stm::detail::read_again(p)->named.find(k);
// CHECK-NEXT: Point c = stm::detail::read_only(it)->second;
// CHECK-NEXT: auto pair = *stm::detail::read_only(it);
// CHECK-NEXT: a = stm::detail::read_only(stm::detail::read_again(p)->points)[1];
// CHECK-NEXT: Point &d = stm::detail::read_again(p)->points[2];
// CHECK-NEXT: d.x = a.x + b.x + c.x + pair.second.y;
// CHECK-NEXT: stm::detail::read_again(p)->points[3] = a;
