// POSIX semaphores directly (sem_init, sem_wait, sem_post): a ring buffer of
// managed items between producers and consumers, one semaphore counting free
// slots, one counting filled slots, one used as the lock of the ring's
// indices.
#include "idiom.h"

#include <semaphore.h>
#include <thread>
#include <vector>

namespace {

constexpr int capacity = 4;
constexpr int producers = 3;
constexpr int consumers = 2;
constexpr int items_per_producer = 300;

idiom::Item *ring[capacity];
int head = 0, tail = 0;
sem_t free_slots, filled_slots, ring_lock;

void produce(int first) {
  for (int i = 0; i < items_per_producer; ++i) {
    idiom::Item *item = stm::make<idiom::Item>(first + i);
    idiom::churn(10);
    sem_wait(&free_slots);
    sem_wait(&ring_lock);
    ring[tail] = item;
    tail = (tail + 1) % capacity;
    sem_post(&ring_lock);
    sem_post(&filled_slots);
  }
}

void consume(idiom::Tally *tally, int quota) {
  for (int i = 0; i < quota; ++i) {
    sem_wait(&filled_slots);
    sem_wait(&ring_lock);
    idiom::Item *item = ring[head];
    head = (head + 1) % capacity;
    sem_post(&ring_lock);
    sem_post(&free_slots);
    tally->add(item);
  }
}

} // namespace

int main() {
  sem_init(&free_slots, 0, capacity);
  sem_init(&filled_slots, 0, 0);
  sem_init(&ring_lock, 0, 1);
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
