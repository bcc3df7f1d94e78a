// Written as a user would: an inventory, a dict from product names to
// records that keep their movements in a stm::vector, changed by worker
// threads that restock and sell in atomic blocks; an iddict counts the
// movements of each record, by identity.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stmify/stm.hpp>
#include <string>
#include <thread>
#include <vector>

struct Record : stm::object {
  stm::string name;
  long quantity = 0;
  stm::vector<long> movements;
  explicit Record(stm::string name) : name(name) {}
};

struct Inventory : stm::object {
  stm::dict<stm::string, Record *> records;
  stm::iddict<Record *, long> touched;
  stm::set<stm::string> sold_out;
  long refused = 0;

  // Called from atomic blocks, but not one itself: a reference to the value
  // (`Record *&slot = records[name]`) is refused across the allocation.
  Record *record(const stm::string &name) {
    Record *r = records.get(name);
    if (!r) {
      r = stm::make<Record>(name);
      records[name] = r;
    }
    return r;
  }
  void restock(const stm::string &name, long amount) {
    Record *r = record(name);
    r->quantity += amount;
    r->movements.push_back(amount);
    touched[r] += 1;
    sold_out.erase(name);
  }
  bool sell(const stm::string &name, long amount) {
    auto found = records.find(name);
    if (found == records.end() || found->second->quantity < amount) {
      ++refused;
      return false;
    }
    Record *r = found->second;
    r->quantity -= amount;
    r->movements.push_back(-amount);
    touched[r] += 1;
    if (r->quantity == 0)
      sold_out.insert(name);
    return true;
  }
};

const char *const products[] = {"apple", "pear", "plum", "fig", "kiwi", "lime", "date", "yuzu"};

int main() {
  Inventory *inventory = stm::make<Inventory>();
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([inventory, w] {
      for (int i = 0; i < 500; ++i) {
        const stm::string name = products[(w * 3 + i) % 8];
        stm::atomic([&] { inventory->restock(name, 2 + (i % 4)); });
        stm::atomic([&] { inventory->sell(name, 1 + (i % 2)); });
      }
    });
  for (std::thread &t : workers)
    t.join();

  std::vector<std::string> names;
  for (const auto &[name, record] : inventory->records)
    names.push_back(name.c_str());
  std::sort(names.begin(), names.end());
  long movements = 0, checks = 0;
  for (const std::string &name : names) {
    Record *r = inventory->records.at(name);
    long sum = 0;
    for (long m : r->movements)
      sum += m;
    movements += long(r->movements.size());
    checks += sum == r->quantity && inventory->touched.get(r) == long(r->movements.size());
    std::printf("%-6s %ld\n", name.c_str(), r->quantity);
  }
  std::printf("%zu products, %ld movements, %zu sold out\n", names.size(), movements,
              inventory->sold_out.size());
  if (checks != long(names.size()) || movements + inventory->refused != 4000)
    return EXIT_FAILURE;
  return EXIT_SUCCESS;
}
