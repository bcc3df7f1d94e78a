// The stmify bank: many transfers between accounts, queued as tasks that run on
// every core and still behave as if they ran one after another. The total amount
// of money never changes, whatever the interleaving.
//
//   bank [accounts] [tasks] [transfers-per-task]
#include <stmify/stm.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

struct Account : stm::object {
  long balance = 0;
  long transfers = 0;
};

// A small deterministic generator, so every run does the same work.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
};

// Work a real transfer would do besides moving money (fraud scoring, say):
// pure computation, which runs in parallel.
STM_TX_SAFE long risk_score(long amount, std::uint64_t salt) {
  std::uint64_t h = salt;
  for (int i = 0; i < 2000; ++i)
    h = (h ^ static_cast<std::uint64_t>(amount + i)) * 0x100000001b3ULL;
  return static_cast<long>(h % 100);
}

void transfer(Account *from, Account *to, long amount, std::uint64_t salt) {
  long risk = risk_score(amount, salt);
  stm::atomic([&] {
    if (risk < 95 && from->balance >= amount) {
      from->balance -= amount;
      to->balance += amount;
      from->transfers += 1;
      to->transfers += 1;
    }
  });
}

long parse(int argc, char **argv, int i, long fallback) {
  return argc > i ? std::strtol(argv[i], nullptr, 10) : fallback;
}

} // namespace

int main(int argc, char **argv) {
  const long n_accounts = parse(argc, argv, 1, 100000);
  const long n_tasks = parse(argc, argv, 2, 4000);
  const long per_task = parse(argc, argv, 3, 50);
  if (n_accounts < 2 || n_tasks < 1 || per_task < 1) {
    std::fprintf(stderr, "usage: bank [accounts>=2] [tasks>=1] [transfers-per-task>=1]\n");
    return 2;
  }

  std::vector<Account *> accounts;
  for (long i = 0; i < n_accounts; ++i) {
    Account *a = stm::make<Account>();
    a->balance = 1000;
    accounts.push_back(a);
  }
  const long total_before = 1000 * n_accounts;

  // The same tasks, first on one worker, then on one worker per segment.
  auto run_tasks = [&](unsigned workers) {
    stm::transaction_queue tq(workers);
    for (long t = 0; t < n_tasks; ++t)
      tq.add(
          [&accounts, n_accounts, per_task](long task) {
            Rng rng{0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(task + 1)};
            for (long k = 0; k < per_task; ++k) {
              Account *from = accounts[rng.next() % n_accounts];
              Account *to = accounts[rng.next() % n_accounts];
              if (from != to)
                transfer(from, to, static_cast<long>(rng.next() % 50) + 1, rng.next());
            }
          },
          t);
    const double start = stm::clock();
    tq.run();
    return stm::clock() - start;
  };
  const unsigned workers = stm::segment_limit();
  const double one_worker = run_tasks(1);
  const stm::statistics before = stm::stats();
  const double elapsed = run_tasks(workers);

  long total_after = 0, moves = 0;
  for (Account *a : accounts) {
    total_after += a->balance;
    moves += a->transfers;
  }

  std::printf("stmify bank example (%s build)\n",
              stm::instrumented ? "instrumented" : "fallback: no plugin, one global lock");
  std::printf("  segments: %u\n", stm::segment_limit());
  std::printf("  %ld accounts, twice %ld tasks of %ld transfers; %ld transfers done\n",
              n_accounts, n_tasks, per_task, moves / 2);
  std::printf("  total before %ld, after %ld: %s\n", total_before, total_after,
              total_before == total_after ? "unchanged" : "CHANGED (bug)");
  const stm::statistics after = stm::stats();
  std::printf("  on %u workers: %llu transactions committed, %llu aborted and retried, "
              "%llu inevitable\n",
              workers, after.commits - before.commits, after.aborts - before.aborts,
              after.inevitable - before.inevitable);
  std::printf("  time: %.3f s on 1 worker, %.3f s on %u: %.2fx\n", one_worker, elapsed, workers,
              one_worker / elapsed);
  return total_before == total_after ? 0 : 1;
}
