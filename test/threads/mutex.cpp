// std::mutex locked and unlocked by hand. Producers hand new items to
// consumers through a deque the mutex guards; consumers add them into one
// shared tally under the same mutex. Then the same additions as queued
// tasks, each locking the mutex inside its atomic block.
#include "idiom.h"

#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int producers = 3;
constexpr int consumers = 2;
constexpr int items_per_producer = 400;

std::mutex guard;
std::deque<idiom::Item *> inbox;

void produce(int first) {
  for (int i = 0; i < items_per_producer; ++i) {
    idiom::Item *item = stm::make<idiom::Item>(first + i);
    idiom::churn(20);
    guard.lock();
    inbox.push_back(item);
    guard.unlock();
  }
}

void consume(idiom::Tally *shared, int quota) {
  int taken = 0;
  while (taken < quota) {
    guard.lock();
    if (!inbox.empty()) {
      shared->add(inbox.front());
      inbox.pop_front();
      ++taken;
    }
    guard.unlock();
  }
}

} // namespace

int main() {
  idiom::Tally *shared = stm::make<idiom::Tally>();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back(produce, p * items_per_producer);
  for (int c = 0; c < consumers; ++c)
    threads.emplace_back(consume, shared, producers * items_per_producer / consumers);
  for (std::thread &t : threads)
    t.join();
  idiom::report("threads", shared);

  idiom::Tally *queued = stm::make<idiom::Tally>();
  stm::transaction_queue tq;
  for (int i = 0; i < 600; ++i)
    tq.add(
        [](idiom::Tally *tally, idiom::Item *item) {
          idiom::churn(20);
          guard.lock();
          tally->add(item);
          guard.unlock();
        },
        queued, stm::make<idiom::Item>(i));
  tq.run();
  idiom::report("tasks", queued);
  idiom::report_collections();
}
