// std::unique_lock, taken by its constructor and again by lock() after an
// unlock(). Workers take jobs (managed objects main made) from a shared list,
// work on them with the lock released, and put them on a done list; main
// adds up the results the workers wrote. Then jobs as queued tasks that
// lock inside their atomic blocks.
#include "idiom.h"

#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int jobs = 800;

struct Job : stm::object {
  long input;
  long result = 0;
  explicit Job(long input) : input(input) {}
};

std::mutex lists_lock;
std::vector<Job *> pending;
std::vector<Job *> done;

long work_on(long input) {
  long x = input;
  for (int round = 0; round < 50; ++round)
    x = (x * 1103515245 + 12345) % 2147483647;
  return x % 100000;
}

void worker() {
  std::unique_lock<std::mutex> lock(lists_lock);
  while (!pending.empty()) {
    Job *job = pending.back();
    pending.pop_back();
    lock.unlock();
    job->result = work_on(job->input);
    idiom::churn(10);
    lock.lock();
    done.push_back(job);
  }
}

} // namespace

int main() {
  for (int j = 0; j < jobs; ++j)
    pending.push_back(stm::make<Job>(j));
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back(worker);
  for (std::thread &t : threads)
    t.join();
  long sum = 0;
  for (Job *job : done)
    sum += job->result;
  std::printf("threads: %zu jobs done, sum %ld\n", done.size(), sum);

  Job *total = stm::make<Job>(0);
  stm::transaction_queue tq;
  for (int j = 0; j < 400; ++j)
    tq.add(
        [total](Job *job) {
          job->result = work_on(job->input);
          std::unique_lock<std::mutex> lock(lists_lock);
          total->result += job->result;
          lock.unlock();
          idiom::churn(10);
          lock.lock();
          total->input += 1;
        },
        stm::make<Job>(j));
  tq.run();
  std::printf("tasks: %ld jobs done, sum %ld\n", total->input, total->result);
  idiom::report_collections();
}
