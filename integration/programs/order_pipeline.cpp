// Written as a user would: an order pipeline. Clerks make orders (a customer
// and an item, with stm::string names) in atomic blocks and put them on a
// stm::queue; packers take them in atomic blocks, reserve stock and put a
// parcel, labelled by string concatenation, on a second queue; a shipper
// takes the parcels outside atomic blocks. Each packer counts its own work
// in a stm::thread_local_property of the shared desk. Every total is the
// same whatever the order in which the blocks run.
#include <cstdio>
#include <optional>
#include <stmify/stm.hpp>
#include <string>
#include <thread>
#include <vector>

struct Item : stm::object {
  stm::string name;
  long stock;
  long reserved = 0;
  Item(const char *name, long stock) : name(name), stock(stock) {}
};

struct Order : stm::object {
  long id;
  stm::string customer;
  Item *item;
  long quantity;
  Order(long id, stm::string customer, Item *item, long quantity)
      : id(id), customer(customer), item(item), quantity(quantity) {}
};

struct Parcel : stm::object {
  long order;
  stm::string label;
  long weight;
  Parcel(long order, stm::string label, long weight) : order(order), label(label), weight(weight) {}
};

struct Desk : stm::object {
  long packed = 0;
  long refused = 0;
  stm::thread_local_property<long> mine{[] { return 0L; }};
};

const char *const customers[] = {"Ada", "Grace", "Edsger", "Barbara", "Alan"};
const char *const item_names[] = {"bolt", "nut", "gear", "shaft"};
constexpr int kClerks = 3, kPackers = 3, kOrdersPerClerk = 300;

stm::string customer_of(long id) {
  return stm::string(customers[id % 5]) + "#" + std::to_string(id % 7);
}

int main() {
  std::vector<Item *> items;
  for (const char *name : item_names)
    items.push_back(stm::make<Item>(name, 10000));
  Desk *desk = stm::make<Desk>();
  stm::queue<Order *> orders;
  stm::queue<Parcel *> parcels;

  std::vector<std::thread> clerks, packers;
  for (int c = 0; c < kClerks; ++c)
    clerks.emplace_back([&, c] {
      for (long i = 0; i < kOrdersPerClerk; ++i)
        stm::atomic([&] {
          const long id = c * kOrdersPerClerk + i;
          orders.put(stm::make<Order>(id, customer_of(id), items[id % 4], id % 5 + 1));
        });
    });
  std::vector<long> counted(kPackers);
  for (int p = 0; p < kPackers; ++p)
    packers.emplace_back([&, p] {
      for (;;) {
        std::optional<Order *> got = stm::atomic([&]() -> std::optional<Order *> {
          std::optional<Order *> taken = orders.try_get();
          if (!taken || !*taken)
            return taken;
          Order *order = *taken;
          Item *item = order->item;
          if (item->stock - item->reserved < order->quantity) {
            desk->refused += 1;
            return taken;
          }
          item->reserved += order->quantity;
          desk->packed += 1;
          desk->mine.get() += 1;
          parcels.put(stm::make<Parcel>(order->id, order->customer + " / " + item->name,
                                        order->quantity * 3));
          return taken;
        });
        if (!got) {
          std::this_thread::yield();
          continue;
        }
        if (!*got)
          break;
      }
      counted[p] = desk->mine.get();
    });
  long shipped = 0, weight = 0, label_chars = 0, ids = 0;
  std::thread shipper([&] {
    while (Parcel *parcel = parcels.get()) {
      shipped += 1;
      weight += parcel->weight;
      ids += parcel->order;
      const stm::string label = parcel->label;
      label_chars += static_cast<long>(label.size());
    }
  });

  for (std::thread &t : clerks)
    t.join();
  for (int p = 0; p < kPackers; ++p)
    orders.put(nullptr);
  for (std::thread &t : packers)
    t.join();
  parcels.put(nullptr);
  shipper.join();

  const long total = kClerks * kOrdersPerClerk;
  long expected_weight = 0, expected_chars = 0;
  for (long id = 0; id < total; ++id) {
    expected_weight += (id % 5 + 1) * 3;
    expected_chars +=
        static_cast<long>(customer_of(id).size() + 3 + std::string(item_names[id % 4]).size());
  }
  long per_packer = 0;
  for (long n : counted)
    per_packer += n;
  std::printf("orders %ld packed %ld refused %ld shipped %ld\n", total, desk->packed, desk->refused,
              shipped);
  std::printf("weight %ld label characters %ld order ids %ld counted by packers %ld\n", weight,
              label_chars, ids, per_packer);
  for (const Item *item : items) {
    const stm::string name = item->name;
    std::printf("%s reserved %ld\n", name.c_str(), item->reserved);
  }
  const bool ok = desk->packed == total && desk->refused == 0 && shipped == total &&
                  weight == expected_weight && label_chars == expected_chars &&
                  ids == total * (total - 1) / 2 && per_packer == total && orders.empty() &&
                  parcels.empty();
  std::printf("%s\n", ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
