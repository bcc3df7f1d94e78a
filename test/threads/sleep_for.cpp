// std::this_thread::sleep_for and sleep_until with durations read from
// managed objects. Each worker sleeps for its jobs' delays, then records the
// job as done. Then queued tasks that sleep inside their atomic blocks.
#include "idiom.h"

#include <chrono>
#include <thread>
#include <vector>

namespace {

struct Job : stm::object {
  long delay_ms;
  long done = 0;
  explicit Job(long delay_ms) : delay_ms(delay_ms) {}
};

struct Pace : stm::object {
  long pause_us = 300;
};

} // namespace

int main() {
  Pace *pace = stm::make<Pace>();
  std::vector<Job *> jobs;
  for (int j = 0; j < 24; ++j)
    jobs.push_back(stm::make<Job>(j % 3 + 1));
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w)
    threads.emplace_back([&jobs, pace, w] {
      for (std::size_t j = w; j < jobs.size(); j += 4) {
        std::this_thread::sleep_for(std::chrono::milliseconds(jobs[j]->delay_ms));
        idiom::churn(50);
        std::this_thread::sleep_until(std::chrono::steady_clock::now() +
                                      std::chrono::microseconds(pace->pause_us));
        jobs[j]->done = jobs[j]->delay_ms * 10 + 1;
      }
    });
  for (std::thread &t : threads)
    t.join();
  long sum = 0;
  for (Job *job : jobs)
    sum += job->done;
  std::printf("threads: sum %ld\n", sum);

  Job *total = stm::make<Job>(0);
  stm::transaction_queue tq;
  for (int i = 0; i < 20; ++i)
    tq.add(
        [total, pace](Job *job) {
          std::this_thread::sleep_for(std::chrono::microseconds(pace->pause_us * job->delay_ms));
          total->done += job->delay_ms;
        },
        stm::make<Job>(i % 3 + 1));
  tq.run();
  std::printf("tasks: sum %ld\n", total->done);
  idiom::report_collections();
}
