// std::promise::set_value and std::future::get: each thread gets a promise and
// a managed order, makes a new managed receipt and hands it over with
// set_value; main gets the receipts and reads them.
#include "idiom.h"

#include <future>
#include <thread>
#include <utility>
#include <vector>

namespace {

struct Order : stm::object {
  long quantity;
  long price;
  Order(long quantity, long price) : quantity(quantity), price(price) {}
};

struct Receipt : stm::object {
  long total;
  Order *order;
  Receipt(long total, Order *order) : total(total), order(order) {}
};

void fill(Order *order, std::promise<Receipt *> done) {
  idiom::churn(50);
  done.set_value(stm::make<Receipt>(order->quantity * order->price, order));
}

} // namespace

int main() {
  long total = 0, quantities = 0;
  for (int round = 0; round < 20; ++round) {
    std::vector<std::future<Receipt *>> receipts;
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      std::promise<Receipt *> promise;
      receipts.push_back(promise.get_future());
      threads.emplace_back(fill, stm::make<Order>(round + i, 10 * i + 3), std::move(promise));
    }
    for (std::future<Receipt *> &receipt : receipts) {
      Receipt *r = receipt.get();
      total += r->total;
      quantities += r->order->quantity;
    }
    for (std::thread &t : threads)
      t.join();
  }
  std::printf("threads: quantity %ld, total %ld\n", quantities, total);
  idiom::report_collections();
}
