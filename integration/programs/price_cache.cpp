// Written as a user would: a price list whose prices cost a loop to work
// out, cached per thread in a stm::thread_local_property of the shared
// catalogue (a std::unordered_map), so the tasks that price orders never
// conflict over the cache. The tasks run on a transaction_queue and add to a
// shared ledger; the totals do not depend on which thread priced what.
#include <cstdio>
#include <stmify/stm.hpp>
#include <unordered_map>
#include <vector>

struct Product : stm::object {
  long id;
  long base;
  Product(long id, long base) : id(id), base(base) {}
};

struct Catalogue : stm::object {
  std::vector<Product *> *products = nullptr; // made before the tasks, read only
  stm::thread_local_property<std::unordered_map<long, long>> prices{
      [] { return std::unordered_map<long, long>(); }};
  stm::thread_local_property<long> misses{[] { return 0L; }};

  long price_of(const Product *p) const {
    auto &cache = prices.get();
    auto found = cache.find(p->id);
    if (found != cache.end())
      return found->second;
    long price = p->base;
    for (int round = 0; round < 1000; ++round)
      price = (price * 31 + round) % 9973;
    misses.get() += 1;
    prices.get().emplace(p->id, price);
    return price;
  }
};

struct Ledger : stm::object {
  long orders = 0;
  long revenue = 0;
};

int main() {
  std::vector<Product *> products;
  for (long id = 0; id < 50; ++id)
    products.push_back(stm::make<Product>(id, id * 17 + 3));
  Catalogue *catalogue = stm::make<Catalogue>();
  catalogue->products = &products;
  Ledger *ledger = stm::make<Ledger>();

  stm::transaction_queue tq;
  for (long order = 0; order < 3000; ++order)
    tq.add([catalogue, ledger, order] {
      long total = 0;
      for (long line = 0; line < 4; ++line) {
        const Product *p = (*catalogue->products)[(order * 7 + line * 13) % 50];
        total += catalogue->price_of(p) * (line + 1);
      }
      ledger->orders += 1;
      ledger->revenue += total;
    });
  tq.run();

  long expected = 0;
  for (long order = 0; order < 3000; ++order)
    for (long line = 0; line < 4; ++line) {
      long price = products[(order * 7 + line * 13) % 50]->base;
      for (int round = 0; round < 1000; ++round)
        price = (price * 31 + round) % 9973;
      expected += price * (line + 1);
    }
  std::printf("orders %ld revenue %ld\n", ledger->orders, ledger->revenue);
  const bool ok = ledger->orders == 3000 && ledger->revenue == expected;
  std::printf("%s\n", ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
