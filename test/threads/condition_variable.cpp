// std::condition_variable: a bounded buffer between producers and consumers.
// Producers wait (with a predicate that reads the buffer's managed capacity)
// until there is room; consumers wait_for new items with a timeout read from
// a managed object and a predicate that reads how many producers are still
// running (a managed field); notify_one after each push and pop, notify_all
// when a producer finishes.
#include "idiom.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int producers = 3;
constexpr int consumers = 3;
constexpr int items_per_producer = 300;

struct Settings : stm::object {
  long capacity = 8;
  long poll_ms = 2;
  long producers_running = producers;
};

std::mutex buffer_lock;
std::condition_variable room;
std::condition_variable items;
std::deque<idiom::Item *> buffer;

void produce(Settings *settings, int first) {
  for (int i = 0; i < items_per_producer; ++i) {
    idiom::Item *item = stm::make<idiom::Item>(first + i);
    idiom::churn(10);
    std::unique_lock<std::mutex> lock(buffer_lock);
    room.wait(lock, [&] { return static_cast<long>(buffer.size()) < settings->capacity; });
    buffer.push_back(item);
    lock.unlock();
    items.notify_one();
  }
  {
    std::lock_guard<std::mutex> lock(buffer_lock);
    settings->producers_running -= 1;
  }
  items.notify_all();
}

void consume(Settings *settings, idiom::Tally *mine) {
  std::unique_lock<std::mutex> lock(buffer_lock);
  for (;;) {
    while (!items.wait_for(lock, std::chrono::milliseconds(settings->poll_ms),
                           [&] { return !buffer.empty() || settings->producers_running == 0; })) {
    }
    if (buffer.empty())
      return;
    idiom::Item *item = buffer.front();
    buffer.pop_front();
    lock.unlock();
    room.notify_one();
    mine->add(item);
    idiom::churn(5);
    lock.lock();
  }
}

} // namespace

int main() {
  Settings *settings = stm::make<Settings>();
  std::vector<idiom::Tally *> tallies;
  std::vector<std::thread> threads;
  for (int c = 0; c < consumers; ++c) {
    tallies.push_back(stm::make<idiom::Tally>());
    threads.emplace_back(consume, settings, tallies.back());
  }
  for (int p = 0; p < producers; ++p)
    threads.emplace_back(produce, settings, p * items_per_producer);
  for (std::thread &t : threads)
    t.join();
  idiom::report("threads", idiom::total_of(tallies));
  idiom::report_collections();
}
