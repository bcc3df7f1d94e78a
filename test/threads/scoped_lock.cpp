// std::scoped_lock of two mutexes. Each account has its own mutex; a transfer
// locks both accounts' mutexes at once, moves money and records a new
// managed Transfer in both accounts' histories. Then transfers as queued
// tasks that take the scoped_lock inside their atomic blocks.
#include "idiom.h"

#include <array>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int accounts = 6;
constexpr int workers = 4;
constexpr int transfers_per_worker = 300;

struct Transfer : stm::object {
  long amount;
  Transfer *earlier;
  Transfer(long amount, Transfer *earlier) : amount(amount), earlier(earlier) {}
};

struct Account : stm::object {
  long balance = 1000;
  Transfer *history = nullptr;
};

std::array<std::mutex, accounts> locks;

void transfer(Account *const *bank, int from, int to, long amount) {
  std::scoped_lock both(locks[from], locks[to]);
  bank[from]->balance -= amount;
  bank[to]->balance += amount;
  bank[from]->history = stm::make<Transfer>(-amount, bank[from]->history);
  bank[to]->history = stm::make<Transfer>(amount, bank[to]->history);
}

void print(const char *what, Account *const *bank) {
  std::printf("%s:", what);
  for (int a = 0; a < accounts; ++a) {
    long count = 0, net = 0;
    for (Transfer *t = bank[a]->history; t != nullptr; t = t->earlier) {
      ++count;
      net += t->amount;
    }
    std::printf(" [%ld, %ld transfers, net %ld]", bank[a]->balance, count, net);
  }
  std::printf("\n");
}

} // namespace

int main() {
  std::array<Account *, accounts> bank;
  for (Account *&account : bank)
    account = stm::make<Account>();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&bank, w] {
      for (int i = 0; i < transfers_per_worker; ++i) {
        int from = (w + i) % accounts;
        int to = (from + 1 + i % (accounts - 1)) % accounts;
        transfer(bank.data(), from, to, (w * 31 + i) % 17 + 1);
        idiom::churn(10);
      }
    });
  for (std::thread &t : threads)
    t.join();
  print("threads", bank.data());

  std::array<Account *, accounts> queued;
  for (Account *&account : queued)
    account = stm::make<Account>();
  stm::transaction_queue tq;
  for (int i = 0; i < 600; ++i)
    tq.add(
        [&queued](int from, int to, long amount) {
          transfer(queued.data(), from, to, amount);
          idiom::churn(10);
        },
        i % accounts, (i + 1 + i % (accounts - 1)) % accounts, i % 13 + 1);
  tq.run();
  print("tasks", queued.data());
  idiom::report_collections();
}
