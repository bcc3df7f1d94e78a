// stm::transaction_queue on the real engine: worker threads, one per segment by
// default, run the queued tasks as atomic blocks.
#include "segment.h"
#include "threads.h"

#include <stmify/stm.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace stm::detail {

class queue_core {
public:
  explicit queue_core(unsigned workers) : workers(workers) {}

  void push(task &&t) {
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mutex);
      pending.push_back(std::move(t));
      wake = idle > 0;
    }
    if (wake)
      changed.notify_one();
  }

  // Read after every task without the lock, so that workers do not contend
  // for the queue's mutex between tasks; written under the lock.
  bool stopping_now() const { return stopping.load(std::memory_order_acquire); }

  void stop(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!first_error)
      first_error = std::move(error);
    stopping.store(true, std::memory_order_release);
    pending.clear();
  }

  const unsigned workers;
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::deque<task> pending;
  unsigned running = 0;       // tasks taken by workers and not finished
  unsigned idle = 0;          // workers waiting for tasks
  unsigned active_workers = 1;
  std::atomic<bool> stopping{false};
  std::exception_ptr first_error;
};

namespace {

// Each worker takes a share of the pending tasks at a time, so that the queue's
// lock is not taken for every task.
void work(queue_core &q) {
  std::vector<task> batch;
  for (;;) {
    // Finished tasks are destroyed (their memory freed) outside the lock.
    const auto finished = static_cast<unsigned>(batch.size());
    batch.clear();
    {
      std::unique_lock<std::mutex> lock(q.mutex);
      q.running -= finished;
      if (q.running == 0 || q.stopping_now())
        q.changed.notify_all();
      // While tasks run they may add tasks (which arrive when they commit).
      ++q.idle;
      stm::rt::wait_stopped(stm::rt::attached_thread(), [&] {
        q.changed.wait(lock,
                       [&] { return q.stopping_now() || !q.pending.empty() || q.running == 0; });
      });
      --q.idle;
      if (q.stopping_now() || q.pending.empty())
        break;
      std::size_t share = q.pending.size() / (2 * q.active_workers) + 1;
      for (; share > 0 && !q.pending.empty(); --share) {
        batch.push_back(std::move(q.pending.front()));
        q.pending.pop_front();
      }
      q.running += static_cast<unsigned>(batch.size());
    }
    for (task &t : batch) {
      try {
        run_atomic(t);
      } catch (...) {
        q.stop(std::current_exception());
      }
      if (q.stopping_now())
        break;
    }
  }
  q.changed.notify_all();
}

} // namespace

queue_core *queue_create(unsigned workers) { return new queue_core(workers); }

void queue_destroy(queue_core *core) noexcept { delete core; }

void queue_add(queue_core *core, task &&t) {
  if (_stm_tls.atomic_depth > 0) {
    // Added by a running atomic block: queued only if the block commits.
    stm::rt::current_thread()->pending_tasks.emplace_back(core, std::move(t));
    return;
  }
  core->push(std::move(t));
}

void publish_pending_tasks(std::vector<std::pair<queue_core *, task>> &tasks) {
  for (auto &[core, t] : tasks)
    core->push(std::move(t));
  tasks.clear();
}

std::size_t queue_size(const queue_core *core) noexcept {
  std::lock_guard<std::mutex> lock(core->mutex);
  return core->pending.size();
}

void queue_run(queue_core *core) {
  __builtin_unwind_init(); // the caller's registers stay on the stack while it waits
  if (_stm_tls.atomic_depth > 0)
    throw nesting_error("stm::transaction_queue::run cannot be called inside an atomic block");
  unsigned workers = core->workers ? core->workers : stm_segment_limit();
  {
    std::lock_guard<std::mutex> lock(core->mutex);
    core->stopping.store(false, std::memory_order_relaxed);
    core->first_error = nullptr;
    core->active_workers = workers;
    if (core->pending.empty())
      return;
  }
  // Publish what the caller did so far and lend its segment to the workers.
  stm::rt::thread_record *caller = stm::rt::current_thread();
  if (caller)
    stm::rt::detach(*caller);
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (unsigned i = 0; i < workers; ++i)
    threads.emplace_back(work, std::ref(*core));
  for (auto &t : threads)
    t.join();
  if (caller)
    stm::rt::reattach(*caller);
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lock(core->mutex);
    error = core->first_error;
    core->first_error = nullptr;
  }
  if (error)
    std::rethrow_exception(error);
}

} // namespace stm::detail
