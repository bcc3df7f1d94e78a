// std::atomic::wait and notify_one (C++20): two threads play ping-pong with
// one managed object made before they start. The client writes a request
// into it and passes the turn; the server waits for its turn, writes the
// reply into the object and passes the turn back; the client checks it.
#include "idiom.h"

#include <atomic>
#include <thread>

namespace {

constexpr int rounds = 400;

struct Exchange : stm::object {
  long request = 0;
  long reply = 0;
};

enum turn_of : int { client_turn, server_turn };
std::atomic<int> turn{client_turn};

void serve(Exchange *exchange) {
  for (int round = 0; round < rounds; ++round) {
    turn.wait(client_turn);
    exchange->reply = exchange->request * 3 + 1;
    idiom::churn(5);
    turn.store(client_turn);
    turn.notify_one();
  }
}

} // namespace

int main() {
  Exchange *exchange = stm::make<Exchange>();
  long right = 0;
  std::thread server(serve, exchange);
  for (int round = 0; round < rounds; ++round) {
    exchange->request = round;
    idiom::churn(5);
    turn.store(server_turn);
    turn.notify_one();
    turn.wait(server_turn);
    right += exchange->reply == round * 3 + 1;
  }
  server.join();
  std::printf("threads: %ld of %d replies right\n", right, rounds);
  idiom::report_collections();
}
