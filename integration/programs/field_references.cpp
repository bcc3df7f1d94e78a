// References to fields of managed objects, bound in atomic blocks as users
// write them: a range-for that writes the elements of an array field, named
// references to fields and to elements, and fields passed to a helper that
// takes them by reference. Four threads update one bank, so their blocks
// conflict; every total must come out exact. Then each thread keeps a ledger
// of its own through references bound outside atomic blocks (in a helper,
// called outside blocks and in them) and in queued tasks.
#include <stmify/stm.hpp>

#include <array>
#include <cstdio>
#include <thread>
#include <vector>

struct Account {
  long balance = 0;
  long deposits = 0;
};

struct Bank : stm::object {
  Account accounts[16];
  std::array<long, 8> histogram{};
  long fees = 0;
};

// A helper of the program: it loops, so it has safe points of its own.
void move_money(long &from, long &to, long amount) {
  for (long step = 0; step < amount; ++step) {
    --from;
    ++to;
  }
}

constexpr int kThreads = 4, kBlocks = 500;

struct Ledger : stm::object {
  long entries[8] = {};
  long total = 0;
  Account last;
};

// No safe point can come while its references live, wherever it runs.
void record(Ledger &ledger, long amount) {
  {
    long &total = ledger.total;
    total += amount;
  }
  for (long &entry : ledger.entries)
    entry += 1;
  auto &[balance, deposits] = ledger.last;
  balance = amount;
  deposits += 1;
}

int main() {
  Bank *bank = stm::make<Bank>();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([bank, t] {
      for (int i = 0; i < kBlocks; ++i)
        stm::atomic([&] {
          for (Account &a : bank->accounts) {
            a.balance += 10;
            ++a.deposits;
          }
          long &fees = bank->fees;
          fees += 2;
          Account &from = bank->accounts[(t + i) % 16];
          Account &to = bank->accounts[(t * 5 + i * 3 + 1) % 16];
          from.balance -= 3;
          to.balance += 3;
          move_money(bank->accounts[i % 16].balance, bank->accounts[(i + 8) % 16].balance, 2);
          for (long &bucket : bank->histogram)
            bucket += 1;
          const long &counted = bank->histogram[t % 8];
          if (counted < 0)
            bank->fees = -1;
        });
    });
  for (std::thread &thread : threads)
    thread.join();

  long balances = 0, deposits = 0, buckets = 0, fees = 0;
  bool even = true;
  stm::atomic([&] {
    for (const Account &a : bank->accounts) {
      balances += a.balance;
      deposits += a.deposits;
      even = even && a.deposits == kThreads * kBlocks;
    }
    for (long bucket : bank->histogram)
      buckets += bucket;
    fees = bank->fees;
  });
  std::printf("balances %ld, deposits %ld, buckets %ld, fees %ld\n", balances, deposits, buckets,
              fees);
  const long blocks = kThreads * kBlocks;
  bool exact = balances == 16 * 10 * blocks && deposits == 16 * blocks && even &&
               buckets == 8 * blocks && fees == 2 * blocks;

  std::vector<Ledger *> ledgers(kThreads);
  threads.clear();
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&ledgers, t] {
      Ledger *ledger = stm::make<Ledger>();
      for (int i = 0; i < kBlocks; ++i) {
        record(*ledger, i);
        stm::atomic([&] { record(*ledger, 1); });
        long &total = ledger->total;
        total -= 1;
      }
      stm::transaction_queue tq;
      for (int i = 0; i < kBlocks; ++i)
        tq.add([](Ledger *l, long v) {
          long &total = l->total;
          total += v;
          record(*l, 0);
        }, ledger, i);
      tq.run();
      ledgers[t] = ledger;
    });
  for (std::thread &thread : threads)
    thread.join();
  for (Ledger *ledger : ledgers) {
    long entries = 0;
    for (long entry : ledger->entries)
      entries += entry;
    std::printf("ledger total %ld, entries %ld, records %ld\n", ledger->total, entries,
                ledger->last.deposits);
    exact = exact && ledger->total == kBlocks * (kBlocks - 1) &&
            entries == 8 * 3 * kBlocks && ledger->last.deposits == 3 * kBlocks;
  }
  if (!exact)
    std::printf("WRONG: an update was lost or repeated\n");
  return exact ? 0 : 1;
}
