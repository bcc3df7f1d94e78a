// std::atomic with the default (sequentially consistent) order, read through
// its implicit conversion (as most code reads it) and written by assignment
// and ++: each producer owns one slot of a shared array of atomic pointers and
// fills it with a new managed item whenever it is empty; one consumer scans
// the slots, takes the items it finds and empties their slots. A finished
// producer says so by incrementing an atomic counter.
#include "idiom.h"

#include <array>
#include <atomic>
#include <thread>
#include <vector>

namespace {

constexpr int producers = 3;
constexpr int items_per_producer = 150;

std::array<std::atomic<idiom::Item *>, producers> slots;
std::atomic<int> finished{0};

void produce(int me) {
  for (int i = 0; i < items_per_producer; ++i) {
    idiom::Item *item = stm::make<idiom::Item>(me * items_per_producer + i);
    idiom::churn(5);
    while (slots[me] != nullptr) {
    }
    slots[me] = item;
  }
  ++finished;
}

void consume(idiom::Tally *tally) {
  for (;;) {
    bool all_finished = finished == producers;
    bool took = false;
    for (std::atomic<idiom::Item *> &slot : slots) {
      idiom::Item *item = slot;
      if (item != nullptr) {
        tally->add(item);
        slot = nullptr;
        took = true;
      }
    }
    if (all_finished && !took)
      return;
  }
}

} // namespace

int main() {
  for (std::atomic<idiom::Item *> &slot : slots)
    slot = nullptr;
  idiom::Tally *tally = stm::make<idiom::Tally>();
  std::vector<std::thread> threads;
  threads.emplace_back(consume, tally);
  for (int p = 0; p < producers; ++p)
    threads.emplace_back(produce, p);
  for (std::thread &t : threads)
    t.join();
  idiom::report("threads", tally);
  idiom::report_collections();
}
