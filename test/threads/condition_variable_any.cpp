// std::condition_variable_any: threads take turns in a fixed order. Each
// waits (under a std::unique_lock of a std::mutex) until a managed turn
// counter says it is its turn, appends a new managed link to a shared chain,
// advances the turn and wakes the others with notify_all. Another thread
// waits through the same condition variable for a stop request
// (std::stop_token) before it reads the chain.
#include "idiom.h"

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace {

constexpr int threads_in_turn = 4;
constexpr int rounds = 150;

struct Link : stm::object {
  long value;
  Link *previous;
  Link(long value, Link *previous) : value(value), previous(previous) {}
};

struct Chain : stm::object {
  long turn = 0;
  Link *last = nullptr;
};

std::mutex chain_lock;
std::condition_variable_any changed;

void take_turns(Chain *chain, int me) {
  for (int round = 0; round < rounds; ++round) {
    std::unique_lock<std::mutex> lock(chain_lock);
    changed.wait(lock, [&] { return chain->turn % threads_in_turn == me; });
    chain->last = stm::make<Link>(chain->turn * 10 + me, chain->last);
    chain->turn += 1;
    lock.unlock();
    changed.notify_all();
    idiom::churn(10);
  }
}

} // namespace

int main() {
  Chain *chain = stm::make<Chain>();
  long summary = 0;
  std::jthread auditor([chain, &summary](std::stop_token stop) {
    std::unique_lock<std::mutex> lock(chain_lock);
    changed.wait(lock, stop, [] { return false; });
    // The chain in order: each link's value encodes its position.
    long position = chain->turn;
    for (Link *link = chain->last; link != nullptr; link = link->previous) {
      --position;
      summary += link->value == position * 10 + position % threads_in_turn ? link->value : -1000000;
    }
  });
  std::vector<std::thread> threads;
  for (int me = 0; me < threads_in_turn; ++me)
    threads.emplace_back(take_turns, chain, me);
  for (std::thread &t : threads)
    t.join();
  auditor.request_stop();
  auditor.join();
  std::printf("threads: %ld turns, chain summary %ld\n", chain->turn, summary);
  idiom::report_collections();
}
