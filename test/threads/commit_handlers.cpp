// Commit and abort handlers: threads run atomic blocks that update managed
// totals and leave the output of each block to stm::on_commit (a line in a
// log guarded by a std::mutex, and a count kept by an atomic block of the
// handler's own). Every block's handler runs once, however often the block
// is retried, never early (not before a nested block's outermost block
// commits), also when the block ends by an exception, and none of this makes
// a transaction inevitable. stm::on_abort handlers run at most once per
// rollback, and the atomic block each of them runs does not count as an
// attempt of the block it waits for (under forced aborts that block would
// otherwise abort for ever). Then the same from queued tasks. Every block
// writes totals of its own thread or task, so that no block conflicts often
// enough to become inevitable by the retry limit.
#include "idiom.h"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int blocks_per_worker = 200;

struct Totals : stm::object {
  long blocks = 0;
  long sum = 0;
  long handled = 0; // counted by the handlers, each in an atomic block
};

std::mutex log_lock;
std::vector<std::string> log_lines;
std::atomic<long> early_runs{0};
std::atomic<long> abort_handler_runs{0};

void log_line(const std::string &line) {
  std::lock_guard<std::mutex> hold(log_lock);
  log_lines.push_back(line);
}

// Its own atomic block, so nested when called inside one.
void record(Totals *totals, idiom::Item *item, bool *handler_ran) {
  stm::atomic([&] {
    totals->blocks += 1;
    totals->sum += item->weight;
    const long id = item->id;
    stm::on_commit([totals, id, handler_ran] {
      *handler_ran = true;
      log_line("item " + std::to_string(id));
      stm::atomic([&] { totals->handled += 1; });
    });
    stm::on_abort([totals] {
      abort_handler_runs.fetch_add(1);
      stm::atomic([&] { (void)totals->handled; });
    });
  });
}

void record_twice_nested(Totals *totals, idiom::Item *item) {
  bool handler_ran = false;
  stm::atomic([&] {
    handler_ran = false;
    record(totals, item, &handler_ran);
    if (handler_ran)
      early_runs.fetch_add(1);
  });
  if (!handler_ran)
    log_line("a handler did not run after its block");
}

Totals *sum_of(const std::vector<Totals *> &parts) {
  Totals *sum = stm::make<Totals>();
  for (const Totals *part : parts) {
    sum->blocks += part->blocks;
    sum->sum += part->sum;
    sum->handled += part->handled;
  }
  return sum;
}

void print(const char *what, const Totals *totals) {
  long ids = 0;
  for (const std::string &line : log_lines)
    ids += std::stol(line.substr(5));
  std::printf("%s: %ld blocks, sum %ld, %ld handled, %zu lines (ids sum %ld), %ld early\n", what,
              totals->blocks, totals->sum, totals->handled, log_lines.size(), ids,
              early_runs.load());
}

} // namespace

int main() {
  // Outside atomic blocks a commit handler runs at once, an abort handler never.
  bool ran_at_once = false;
  stm::on_commit([&] { ran_at_once = true; });
  stm::on_abort([] { abort_handler_runs.fetch_add(1000000); });
  std::printf("outside atomic blocks: %s\n", ran_at_once ? "ran at once" : "did not run");

  std::vector<Totals *> per_thread;
  for (int w = 0; w < workers; ++w)
    per_thread.push_back(stm::make<Totals>());
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([totals = per_thread[w], w] {
      for (int i = 0; i < blocks_per_worker; ++i) {
        idiom::Item *item = stm::make<idiom::Item>(w * blocks_per_worker + i);
        if (i % 2 == 0) {
          bool handler_ran = false;
          record(totals, item, &handler_ran);
        } else {
          record_twice_nested(totals, item);
        }
        idiom::churn(10);
      }
    });
  for (std::thread &t : threads)
    t.join();
  Totals *totals = sum_of(per_thread);
  print("threads", totals);

  // A block that throws commits: its handler runs before the exception
  // reaches the caller.
  bool thrown_handler_ran = false;
  try {
    stm::atomic([&] {
      totals->blocks += 1;
      stm::on_commit([&thrown_handler_ran] { thrown_handler_ran = true; });
      throw std::runtime_error("out of the block");
    });
  } catch (const std::runtime_error &) {
    std::printf("a block that threw: handler %s\n", thrown_handler_ran ? "ran" : "did not run");
  }

  log_lines.clear();
  std::vector<Totals *> per_task;
  stm::transaction_queue tq;
  for (int i = 0; i < 400; ++i) {
    per_task.push_back(stm::make<Totals>());
    tq.add(
        [](Totals *mine, idiom::Item *item) {
          bool handler_ran = false;
          record(mine, item, &handler_ran);
        },
        per_task.back(), stm::make<idiom::Item>(i));
  }
  tq.run();
  print("tasks", sum_of(per_task));

  const stm::statistics stats = stm::stats();
  std::printf("inevitable transactions: %llu\n", stats.inevitable);
  std::printf("abort handlers ran at most once per rollback: %s\n",
              static_cast<unsigned long long>(abort_handler_runs.load()) <= stats.aborts ? "yes"
                                                                                         : "no");
  idiom::report_collections();
}
