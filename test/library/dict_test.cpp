// stm::dict, stm::set, stm::iddict and stm::idset as a user writes them:
// fields of managed classes and locals, the interface of the standard
// unordered containers, threads working in atomic blocks. Built with the
// plugin (two segments, every block aborting its first two attempts) and
// without it.
#include <stmify/stm.hpp>

#include "serial_replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

template <class Table> std::map<long, long> contents(const Table &table) {
  std::map<long, long> items;
  for (const auto &[key, value] : table)
    items[key] = value;
  return items;
}

template <class Model> std::map<long, long> sorted(const Model &model) {
  return std::map<long, long>(model.begin(), model.end());
}

TEST(Dict, BehavesAsUnorderedMapUnderRandomOperations) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 random(seed);
    stm::dict<long, long> d;
    std::unordered_map<long, long> model;
    // Few keys: leaves fill, split and are rebuilt after erasures.
    const long keys = seed % 2 ? 40 : 600;
    for (int step = 0; step < 1500; ++step) {
      const long key = long(random() % keys), value = long(random() % 1000);
      switch (random() % 10) {
      case 0:
        d[key] += value;
        model[key] += value;
        break;
      case 1:
        ASSERT_EQ(d.erase(key), model.erase(key)) << "seed " << seed << " step " << step;
        break;
      case 2:
        ASSERT_EQ(d.insert({key, value}).second, model.insert({key, value}).second);
        break;
      case 3:
        ASSERT_EQ(d.insert_or_assign(key, value).second, model.insert_or_assign(key, value).second);
        break;
      case 4: {
        auto it = d.find(key);
        auto want = model.find(key);
        ASSERT_EQ(it == d.end(), want == model.end()) << "seed " << seed << " step " << step;
        if (want != model.end()) {
          const long found_key = it->first, found_value = it->second;
          EXPECT_EQ(found_key, key);
          EXPECT_EQ(found_value, want->second);
          it->second = value;
          want->second = value;
        }
        break;
      }
      case 5:
        ASSERT_EQ(d.count(key), model.count(key));
        ASSERT_EQ(d.contains(key), model.count(key) == 1);
        ASSERT_EQ(d.get(key, -1), model.count(key) ? model[key] : -1);
        break;
      case 6:
        ASSERT_EQ(d.try_emplace(key, value).second, model.try_emplace(key, value).second);
        break;
      case 7:
        if (model.count(key)) {
          const stm::dict<long, long> &view = d;
          EXPECT_EQ(view.at(key), model.at(key));
        } else {
          EXPECT_THROW(d.at(key), std::out_of_range);
        }
        break;
      case 8:
        if (!model.empty() && random() % 8 == 0) {
          // Erase through an iterator: the next one is returned.
          auto it = d.begin();
          const long first = it->first;
          auto next = d.erase(it);
          model.erase(first);
          if (next != d.end()) {
            EXPECT_TRUE(model.count(next->first));
          }
        }
        break;
      case 9:
        if (random() % 50 == 0) {
          d.clear();
          model.clear();
        }
        break;
      }
      ASSERT_EQ(d.size(), model.size()) << "seed " << seed << " step " << step;
    }
    EXPECT_EQ(contents(d), sorted(model)) << "seed " << seed;
    EXPECT_EQ(d.empty(), model.empty());
  }
}

TEST(Dict, CopiesMovesSwapsAndComparesAsValues) {
  stm::dict<long, long> a{{1, 10}, {2, 20}, {3, 30}};
  stm::dict<long, long> b = a;
  EXPECT_EQ(a, b);
  b[4] = 40;
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 3u);
  stm::dict<long, long> c = std::move(b);
  EXPECT_EQ(c.size(), 4u);
  EXPECT_TRUE(b.empty());
  a.swap(c);
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(c.size(), 3u);
  c = a;
  EXPECT_EQ(c, a);
  const stm::dict<long, long> &same = c;
  c = same;
  EXPECT_EQ(c.size(), 4u);
  std::vector<std::pair<long, long>> items(a.begin(), a.end());
  std::sort(items.begin(), items.end());
  EXPECT_EQ(items, (std::vector<std::pair<long, long>>{{1, 10}, {2, 20}, {3, 30}, {4, 40}}));
}

// Keys that KeyEqual finds equivalent and == tells apart: the tables
// differ, as std::unordered_map's do.
struct CaseBlindEqual {
  bool operator()(const stm::string &a, const stm::string &b) const {
    if (a.size() != b.size())
      return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i])))
        return false;
    return true;
  }
};
struct CaseBlindHash {
  std::size_t operator()(const stm::string &s) const {
    std::size_t h = 0;
    for (char c : s)
      h = h * 31 + std::size_t(std::tolower(static_cast<unsigned char>(c)));
    return h;
  }
};

TEST(Dict, EqualityComparesKeysWithTheirOwnEquality) {
  stm::dict<stm::string, long, CaseBlindHash, CaseBlindEqual> a{{"Apple", 1}}, b{{"apple", 1}},
      c{{"Apple", 1}};
  EXPECT_TRUE(a.contains("APPLE"));
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a == c);
  stm::set<stm::string, CaseBlindHash, CaseBlindEqual> x{"Pear"}, y{"pear"}, z{"Pear"};
  EXPECT_TRUE(x.contains("PEAR"));
  EXPECT_FALSE(x == y);
  EXPECT_TRUE(x == z);
}

// Struct values copied whole (`Point a = d.at(k)`, `b = it->second`,
// `v[k]`) are reads: code outside atomic blocks that only copies them out
// has nothing to publish when it next releases a mutex.
struct Point {
  long x = 0, y = 0;
};
struct Shapes : stm::object {
  stm::dict<long, Point> corners;
  stm::vector<Point> path;
};

TEST(Dict, StructValuesCopiedOutAreReads) {
  Shapes *shapes = stm::make<Shapes>();
  stm::atomic([&] {
    for (long k = 0; k < 16; ++k) {
      shapes->corners[k] = Point{k, -k};
      shapes->path.push_back(Point{k, k});
    }
  });
  std::mutex m;
  long sum = 0;
  const unsigned long long published = stm::stats().ambient_commits;
  for (long k = 0; k < 16; ++k) {
    Point a = shapes->corners.at(k);
    auto it = shapes->corners.find(k);
    Point b = it->second;
    Point c = shapes->path[k];
    sum += a.x + b.x + c.x + a.y + b.y + c.y;
    std::lock_guard<std::mutex> lock(m);
  }
  EXPECT_EQ(sum, 240);
  EXPECT_EQ(stm::stats().ambient_commits - published, 0u);
}

TEST(Dict, RangesHintsAndTheRestOfTheInterface) {
  stm::dict<long, long> d;
  d.reserve(100);
  EXPECT_GT(d.max_size(), 1000u);
  for (long k = 0; k < 50; ++k)
    d.insert(d.cend(), {k, k * 2});
  d.emplace_hint(d.cbegin(), 50, 100);
  d.try_emplace(d.cbegin(), 51, 102);
  d.insert_or_assign(d.cbegin(), 52, 104);
  EXPECT_EQ(d.size(), 53u);
  const auto range = d.equal_range(7);
  ASSERT_NE(range.first, d.end());
  EXPECT_EQ(std::distance(range.first, range.second), 1);
  const long seven = range.first->second;
  EXPECT_EQ(seven, 14);
  EXPECT_EQ(d.equal_range(1000).first, d.end());
  EXPECT_EQ(d.hash_function()(5), std::hash<long>()(5));
  EXPECT_TRUE(d.key_eq()(5, 5));
  // Erase the first ten in iteration order, whatever it is.
  auto tenth = std::next(d.cbegin(), 10);
  const long after = tenth->first;
  auto next = d.erase(d.cbegin(), tenth);
  EXPECT_EQ(d.size(), 43u);
  ASSERT_NE(next, d.end());
  const long next_key = next->first;
  EXPECT_EQ(next_key, after);
  d.erase(d.cbegin(), d.cend());
  EXPECT_TRUE(d.empty());

  stm::set<long> s{1, 2, 3, 4};
  s.insert(s.cend(), 5);
  s.emplace_hint(s.cbegin(), 6);
  EXPECT_EQ(s.size(), 6u);
  EXPECT_EQ(std::distance(s.equal_range(3).first, s.equal_range(3).second), 1);
  s.erase(s.cbegin(), std::next(s.cbegin(), 2));
  EXPECT_EQ(s.size(), 4u);
}

TEST(Set, BehavesAsUnorderedSetUnderRandomOperations) {
  for (unsigned seed = 1; seed <= 10; ++seed) {
    std::mt19937 random(seed);
    stm::set<long> s;
    std::unordered_set<long> model;
    for (int step = 0; step < 1500; ++step) {
      const long key = long(random() % 200);
      switch (random() % 4) {
      case 0:
        ASSERT_EQ(s.insert(key).second, model.insert(key).second);
        break;
      case 1:
        ASSERT_EQ(s.erase(key), model.erase(key));
        break;
      case 2:
        ASSERT_EQ(s.contains(key), model.count(key) == 1);
        ASSERT_EQ(s.find(key) == s.end(), model.find(key) == model.end());
        break;
      case 3:
        ASSERT_EQ(s.size(), model.size());
        break;
      }
    }
    std::set<long> got(s.begin(), s.end());
    EXPECT_EQ(got, std::set<long>(model.begin(), model.end())) << "seed " << seed;
  }
}

struct Item : stm::object {
  long quantity = 0;
  stm::vector<long> history;
};

struct Inventory : stm::object {
  stm::dict<stm::string, Item *> items;
  stm::dict<stm::string, long> totals;
  stm::set<stm::string> names;
};

// Called inside atomic blocks, but not in one itself: a reference to a
// value (`Item *&slot = inventory->items[name]`) would not be accepted
// across the allocation.
void restock(Inventory *inventory, const stm::string &name, long quantity) {
  Item *item = inventory->items.get(name);
  if (!item) {
    item = stm::make<Item>();
    inventory->items[name] = item;
  }
  item->quantity += quantity;
  item->history.push_back(quantity);
  inventory->totals[name] += quantity;
  inventory->names.insert(name);
}

TEST(Dict, FieldsOfManagedClassesWithStringKeys) {
  Inventory *inventory = stm::make<Inventory>();
  std::vector<std::thread> threads;
  const char *names[] = {"apple", "pear", "plum", "fig", "kiwi", "lime"};
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const stm::string name = names[(t + i) % 6];
        stm::atomic([&] { restock(inventory, name, 1 + i % 3); });
      }
    });
  for (std::thread &t : threads)
    t.join();
  long total = 0, entries = 0;
  for (const auto &[name, item] : inventory->items) {
    const long quantity = item->quantity; // a field passed by reference would escape
    EXPECT_EQ(quantity, inventory->totals.get(name)) << name;
    entries += long(item->history.size());
    total += quantity;
  }
  EXPECT_EQ(entries, 900);
  EXPECT_EQ(total, 3 * (100 * 1 + 100 * 2 + 100 * 3));
  EXPECT_EQ(inventory->names.size(), 6u);
  for (auto &[name, count] : inventory->totals)
    count = 0;
  long left = 0;
  for (const auto &[name, count] : inventory->totals)
    left += count;
  EXPECT_EQ(left, 0);
  EXPECT_TRUE(inventory->names.contains("kiwi"));
  EXPECT_FALSE(inventory->names.contains("grape"));
}

struct Person : stm::object {
  long age = 0;
  // `this` is the same key as a pointer to the object.
  void remember(stm::iddict<Person *, long> &seen) { seen[this] += 1; }
};

TEST(Dict, IdentityKeysFromPointersAndThis) {
  stm::iddict<Person *, long> seen;
  stm::idset<Person *> people;
  std::vector<Person *> all;
  for (int i = 0; i < 50; ++i)
    all.push_back(stm::make<Person>());
  for (int round = 0; round < 3; ++round)
    for (Person *p : all) {
      stm::atomic([&] { p->remember(seen); });
      people.insert(p);
    }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(people.size(), 50u);
  for (Person *p : all) {
    EXPECT_EQ(seen.get(p), 3);
    EXPECT_TRUE(people.contains(p));
  }
}

TEST(Dict, ConcurrentTransactionsAgreeWithASerialReplay) {
  for (unsigned seed = 0; seed < 200; ++seed) {
    stm::dict<long, long> d;
    const std::vector<replay::Op> ops =
        replay::run_concurrently(seed, 5, [&](const replay::Op &op) {
          switch (op.kind) {
          case 0:
            return d[op.key] += op.value;
          case 1:
            return long(d.erase(op.key));
          case 2:
            return d.get(op.key, -1);
          case 3:
            return long(d.insert({op.key, op.value}).second);
          default:
            return long(d.size());
          }
        });
    std::unordered_map<long, long> model;
    for (const replay::Op &op : ops) {
      long want = 0;
      switch (op.kind) {
      case 0:
        want = model[op.key] += op.value;
        break;
      case 1:
        want = long(model.erase(op.key));
        break;
      case 2:
        want = model.count(op.key) ? model[op.key] : -1;
        break;
      case 3:
        want = long(model.insert({op.key, op.value}).second);
        break;
      default:
        want = long(model.size());
      }
      ASSERT_EQ(op.result, want) << "seed " << seed << " clock " << op.clock;
    }
    ASSERT_EQ(contents(d), sorted(model)) << "seed " << seed;
  }
}

TEST(Set, ConcurrentTransactionsAgreeWithASerialReplay) {
  for (unsigned seed = 0; seed < 200; ++seed) {
    stm::set<long> s;
    const std::vector<replay::Op> ops =
        replay::run_concurrently(seed, 4, [&](const replay::Op &op) {
          switch (op.kind) {
          case 0:
            return long(s.insert(op.key).second);
          case 1:
            return long(s.erase(op.key));
          case 2:
            return long(s.contains(op.key));
          default:
            return long(s.size());
          }
        });
    std::unordered_set<long> model;
    for (const replay::Op &op : ops) {
      long want = 0;
      switch (op.kind) {
      case 0:
        want = long(model.insert(op.key).second);
        break;
      case 1:
        want = long(model.erase(op.key));
        break;
      case 2:
        want = long(model.count(op.key));
        break;
      default:
        want = long(model.size());
      }
      ASSERT_EQ(op.result, want) << "seed " << seed << " clock " << op.clock;
    }
    ASSERT_EQ(std::set<long>(s.begin(), s.end()), std::set<long>(model.begin(), model.end()))
        << "seed " << seed;
  }
}

TEST(Dict, ThreadsWithDisjointKeysMissNothing) {
  stm::dict<long, long> shared;
  std::vector<std::thread> threads;
  for (long t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (long i = 0; i < 2000; ++i)
        stm::atomic([&] { shared[t * 100000 + i] = i; });
      for (long i = 0; i < 2000; i += 2)
        stm::atomic([&] { shared.erase(t * 100000 + i); });
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(shared.size(), 3000u);
  long sum = 0;
  for (const auto &[key, value] : shared) {
    EXPECT_EQ(key % 100000, value);
    EXPECT_EQ(value % 2, 1);
    sum += value;
  }
  EXPECT_EQ(sum, 3 * 1000L * 1000L);
}

#if defined(__STMIFY__)
TEST(Dict, ACancelledBlockLeavesTheTableAsItWas) {
  stm::dict<long, long> d{{1, 1}};
  EXPECT_THROW(stm::atomic_cancel([&] {
                 d[1] = 5;
                 d[2] = 2;
                 d.erase(1);
                 throw std::runtime_error("changed my mind");
               }),
               std::runtime_error);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.get(1), 1);
  EXPECT_FALSE(d.contains(2));
}

// Containers whose type depends on a template parameter: the transformer
// learns from the instantiations that r->active[key] is an element, so the
// write needs no inevitability (which a destructor's block that lost a
// conflict could not get: it cannot abort out of the destructor).
template <class Key> struct Registry : stm::object {
  stm::dict<Key, long> active;
  stm::set<Key> seen;
  stm::vector<Key> order;
};

template <class Key> class SessionScope {
public:
  SessionScope(Registry<Key> *registry, Key key) : registry_(registry), key_(key) {
    stm::atomic([&] {
      registry_->active[key_] += 1;
      registry_->seen.insert(key_);
      registry_->order.push_back(key_);
    });
  }
  ~SessionScope() {
    stm::atomic([&] {
      if (registry_->seen.contains(key_)) { // a read that may lose a conflict first
        long &open = registry_->active[key_];
        open -= 1;
      }
    });
  }
  SessionScope(const SessionScope &) = delete;
  SessionScope &operator=(const SessionScope &) = delete;

private:
  Registry<Key> *registry_;
  Key key_;
};

TEST(Dict, TemplatesOfDependentContainerTypesRunInRaiiScopes) {
  auto *registry = stm::make<Registry<long>>();
  const unsigned long long inevitable = stm::stats().inevitable;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([registry, t] {
      for (int i = 0; i < 200; ++i) {
        SessionScope<long> outer(registry, i % 3);
        SessionScope<long> inner(registry, t);
      }
    });
  for (std::thread &t : threads)
    t.join();
  long open = 0;
  for (const auto &[key, count] : registry->active)
    open += count;
  EXPECT_EQ(open, 0);
  EXPECT_EQ(registry->order.size(), 1600u);
  EXPECT_EQ(registry->seen.size(), 4u);
  // A block that aborts STMIFY_RETRY_LIMIT times in a row (two forced aborts,
  // then real conflicts on the shared keys) becomes inevitable, as many times
  // as the threads' timing makes it; an inevitable write would make each of
  // the 1600 destructors' blocks inevitable.
  EXPECT_LT(stm::stats().inevitable - inevitable, 16u)
      << "only blocks that reached the retry limit became inevitable";
}

struct Holder : stm::object {
  stm::dict<long, Holder *> children;
  stm::set<stm::string> tags;
  long value = 0;
};

// Tables reachable only from other tables survive collections; tables
// dropped are reclaimed, so memory stays bounded while they churn.
TEST(Dict, CollectionsKeepReachableTablesAndReclaimDroppedOnes) {
  Holder *root = stm::make<Holder>();
  for (long i = 0; i < 200; ++i) {
    Holder *child = stm::make<Holder>();
    child->value = i;
    child->tags.insert(stm::string(std::to_string(i)));
    for (long j = 0; j < 5; ++j) {
      Holder *grandchild = stm::make<Holder>();
      grandchild->value = i * 10 + j;
      child->children[j] = grandchild;
    }
    root->children[i] = child;
  }
  unsigned long long peak = 0;
  for (int round = 0; round < 30; ++round) {
    stm::dict<long, long> garbage;
    for (long k = 0; k < 20000; ++k)
      garbage[k] = k;
    stm::collect();
    peak = std::max(peak, stm::stats().live_bytes);
  }
  long checked = 0;
  for (const auto &[i, child] : root->children) {
    EXPECT_EQ(child->value, i);
    EXPECT_TRUE(child->tags.contains(stm::string(std::to_string(i))));
    for (const auto &[j, grandchild] : child->children) {
      EXPECT_EQ(grandchild->value, i * 10 + j);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 1000);
  // One table of 20 000 keys alive at a time, not thirty.
  EXPECT_LT(peak, 12ull << 20) << "live bytes after a collection";
}
#endif

} // namespace
