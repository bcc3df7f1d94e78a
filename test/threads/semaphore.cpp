// std::counting_semaphore and std::binary_semaphore: a ring buffer of managed
// items between producers and consumers, with one counting semaphore for
// free slots, one for filled slots, and a binary semaphore as the lock of
// the ring's indices.
#include "idiom.h"

#include <array>
#include <semaphore>
#include <thread>
#include <vector>

namespace {

constexpr int capacity = 6;
constexpr int producers = 3;
constexpr int consumers = 2;
constexpr int items_per_producer = 300;

std::array<idiom::Item *, capacity> ring;
int head = 0, tail = 0;
std::counting_semaphore<capacity> free_slots(capacity);
std::counting_semaphore<capacity> filled_slots(0);
std::binary_semaphore ring_lock(1);

void produce(int first) {
  for (int i = 0; i < items_per_producer; ++i) {
    idiom::Item *item = stm::make<idiom::Item>(first + i);
    idiom::churn(10);
    free_slots.acquire();
    ring_lock.acquire();
    ring[tail] = item;
    tail = (tail + 1) % capacity;
    ring_lock.release();
    filled_slots.release();
  }
}

void consume(idiom::Tally *tally, int quota) {
  for (int i = 0; i < quota; ++i) {
    filled_slots.acquire();
    ring_lock.acquire();
    idiom::Item *item = ring[head];
    head = (head + 1) % capacity;
    ring_lock.release();
    free_slots.release();
    tally->add(item);
  }
}

} // namespace

int main() {
  std::vector<idiom::Tally *> tallies;
  std::vector<std::thread> threads;
  for (int c = 0; c < consumers; ++c) {
    tallies.push_back(stm::make<idiom::Tally>());
    threads.emplace_back(consume, tallies.back(), producers * items_per_producer / consumers);
  }
  for (int p = 0; p < producers; ++p)
    threads.emplace_back(produce, p * items_per_producer);
  for (std::thread &t : threads)
    t.join();
  idiom::report("threads", idiom::total_of(tallies));
  idiom::report_collections();
}
