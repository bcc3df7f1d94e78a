// std::atomic with release stores and acquire loads: two pairs of threads
// pass new managed messages through a one-message mailbox. The sender makes a
// message and stores it (release); the receiver loads it (acquire), reads it,
// writes its reply into the message and empties the mailbox (release); the
// sender sees the empty mailbox (acquire) and reads the reply.
#include "idiom.h"

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

namespace {

constexpr int pairs = 2;
constexpr int messages = 100;

struct Message : stm::object {
  long number;
  long payload;
  long reply = 0;
  Message(long number, long payload) : number(number), payload(payload) {}
};

struct Mailbox {
  std::atomic<Message *> slot{nullptr};
  long sent_ok = 0;
  long received_sum = 0;
};

void send(Mailbox &box, int pair) {
  for (int n = 0; n < messages; ++n) {
    Message *message = stm::make<Message>(n, n * 13 + pair);
    idiom::churn(5);
    box.slot.store(message, std::memory_order_release);
    while (box.slot.load(std::memory_order_acquire) != nullptr) {
    }
    box.sent_ok += message->reply == message->payload * 2 + 1;
  }
}

void receive(Mailbox &box) {
  for (int n = 0; n < messages; ++n) {
    Message *message;
    while ((message = box.slot.load(std::memory_order_acquire)) == nullptr) {
    }
    box.received_sum += message->number == n ? message->payload : -1000000;
    message->reply = message->payload * 2 + 1;
    box.slot.store(nullptr, std::memory_order_release);
  }
}

} // namespace

int main() {
  std::vector<Mailbox> boxes(pairs);
  std::vector<std::thread> threads;
  for (int p = 0; p < pairs; ++p) {
    threads.emplace_back(send, std::ref(boxes[p]), p);
    threads.emplace_back(receive, std::ref(boxes[p]));
  }
  for (std::thread &t : threads)
    t.join();
  for (const Mailbox &box : boxes)
    std::printf("pair: %ld replies right, payload sum %ld\n", box.sent_ok, box.received_sum);
  idiom::report_collections();
}
