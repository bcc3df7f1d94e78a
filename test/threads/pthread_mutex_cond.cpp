// POSIX threads directly: pthread_create with a managed argument,
// pthread_mutex_lock/unlock and pthread_cond_wait/signal/broadcast around a
// one-item mailbox of managed items (producers wait until it is empty,
// consumers until it is full), pthread_join.
#include "idiom.h"

#include <pthread.h>
#include <vector>

namespace {

constexpr int producers = 2;
constexpr int consumers = 2;
constexpr int items_per_producer = 300;

} // namespace

// Outside the anonymous namespace: clang 19 -O2 turns a pointer global of
// internal linkage that only ever holds new objects into one static object,
// which every producer's new item then overwrites while consumers read it.
struct Mailbox {
  idiom::Item *item = nullptr;
  int producers_running = producers;
};
Mailbox mailbox;

namespace {

pthread_mutex_t mailbox_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t mailbox_empty = PTHREAD_COND_INITIALIZER;
pthread_cond_t mailbox_full = PTHREAD_COND_INITIALIZER;

struct Assignment : stm::object {
  long first;
  idiom::Tally *tally;
  Assignment(long first, idiom::Tally *tally) : first(first), tally(tally) {}
};

void *produce(void *argument) {
  Assignment *assignment = static_cast<Assignment *>(argument);
  for (int i = 0; i < items_per_producer; ++i) {
    idiom::Item *item = stm::make<idiom::Item>(assignment->first + i);
    idiom::churn(10);
    pthread_mutex_lock(&mailbox_lock);
    while (mailbox.item != nullptr)
      pthread_cond_wait(&mailbox_empty, &mailbox_lock);
    mailbox.item = item;
    pthread_cond_signal(&mailbox_full);
    pthread_mutex_unlock(&mailbox_lock);
  }
  pthread_mutex_lock(&mailbox_lock);
  --mailbox.producers_running;
  pthread_cond_broadcast(&mailbox_full);
  pthread_mutex_unlock(&mailbox_lock);
  return nullptr;
}

void *consume(void *argument) {
  Assignment *assignment = static_cast<Assignment *>(argument);
  pthread_mutex_lock(&mailbox_lock);
  for (;;) {
    while (mailbox.item == nullptr && mailbox.producers_running > 0)
      pthread_cond_wait(&mailbox_full, &mailbox_lock);
    if (mailbox.item == nullptr)
      break;
    assignment->tally->add(mailbox.item);
    mailbox.item = nullptr;
    pthread_cond_signal(&mailbox_empty);
  }
  pthread_mutex_unlock(&mailbox_lock);
  return nullptr;
}

} // namespace

int main() {
  pthread_t threads[producers + consumers];
  std::vector<idiom::Tally *> tallies;
  for (int c = 0; c < consumers; ++c) {
    tallies.push_back(stm::make<idiom::Tally>());
    pthread_create(&threads[c], nullptr, consume, stm::make<Assignment>(0, tallies[c]));
  }
  for (int p = 0; p < producers; ++p)
    pthread_create(&threads[consumers + p], nullptr, produce,
                   stm::make<Assignment>(p * items_per_producer, nullptr));
  for (pthread_t &thread : threads)
    pthread_join(thread, nullptr);
  idiom::report("threads", idiom::total_of(tallies));
  idiom::report_collections();
}
