// std::jthread: workers get a managed task each, are joined by the jthreads'
// destructors at the end of a scope, and main reads what they wrote. A
// watcher jthread waits for its stop request (std::stop_token through
// std::condition_variable_any) and then records, in a managed object, that
// it saw the request.
#include "idiom.h"

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace {

struct Task : stm::object {
  long from;
  long to;
  long sum = 0;
  Task(long from, long to) : from(from), to(to) {}
};

struct Watch : stm::object {
  long stopped = 0;
};

void add_up(Task *task) {
  for (long i = task->from; i < task->to; ++i) {
    task->sum += i * i % 1009;
    if (i % 16 == 0)
      idiom::churn(5);
  }
}

} // namespace

int main() {
  std::vector<Task *> tasks;
  for (int i = 0; i < 4; ++i)
    tasks.push_back(stm::make<Task>(i * 2000, (i + 1) * 2000));
  Watch *watch = stm::make<Watch>();
  std::mutex watch_lock;
  std::condition_variable_any never_notified;
  {
    std::jthread watcher([watch, &watch_lock, &never_notified](std::stop_token stop) {
      std::unique_lock<std::mutex> lock(watch_lock);
      never_notified.wait(lock, stop, [] { return false; });
      watch->stopped = stop.stop_requested() ? 1 : 0;
    });
    std::vector<std::jthread> workers;
    for (Task *task : tasks)
      workers.emplace_back(add_up, task);
  }
  long sum = 0;
  for (Task *task : tasks)
    sum += task->sum;
  std::printf("threads: sum %ld, watcher stopped %ld\n", sum, watch->stopped);
  idiom::report_collections();
}
