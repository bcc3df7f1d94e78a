// std::atomic compare_exchange and exchange: producers push new managed nodes
// onto a lock-free stack (compare_exchange_weak with release); a consumer
// takes the whole stack at once with exchange (acquire) and walks it. Then
// queued tasks push onto a second stack inside their atomic blocks.
#include "idiom.h"

#include <atomic>
#include <thread>
#include <vector>

namespace {

constexpr int producers = 3;
constexpr int nodes_per_producer = 400;

struct Node : stm::object {
  idiom::Item *item;
  Node *next = nullptr;
  explicit Node(idiom::Item *item) : item(item) {}
};

std::atomic<Node *> top{nullptr};
std::atomic<int> producing{producers};

void push(std::atomic<Node *> &stack, Node *node) {
  Node *expected = stack.load(std::memory_order_relaxed);
  do {
    node->next = expected;
  } while (!stack.compare_exchange_weak(expected, node, std::memory_order_release,
                                        std::memory_order_relaxed));
}

void drain(std::atomic<Node *> &stack, idiom::Tally *tally) {
  for (Node *node = stack.exchange(nullptr, std::memory_order_acquire); node != nullptr;
       node = node->next)
    tally->add(node->item);
}

} // namespace

int main() {
  idiom::Tally *tally = stm::make<idiom::Tally>();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([p] {
      for (int i = 0; i < nodes_per_producer; ++i) {
        push(top, stm::make<Node>(stm::make<idiom::Item>(p * nodes_per_producer + i)));
        idiom::churn(5);
      }
      producing.fetch_sub(1, std::memory_order_release);
    });
  threads.emplace_back([tally] {
    while (producing.load(std::memory_order_acquire) != 0)
      drain(top, tally);
    drain(top, tally);
  });
  for (std::thread &t : threads)
    t.join();
  idiom::report("threads", tally);

  std::atomic<Node *> queued_top{nullptr};
  stm::transaction_queue tq;
  for (int i = 0; i < 500; ++i)
    tq.add(
        [&queued_top](long id) { push(queued_top, stm::make<Node>(stm::make<idiom::Item>(id))); },
        i);
  tq.run();
  idiom::Tally *queued = stm::make<idiom::Tally>();
  drain(queued_top, queued);
  idiom::report("tasks", queued);
  idiom::report_collections();
}
