// stm::transaction_queue on the real engine: worker threads, one per segment by
// default, run the queued tasks as atomic blocks.
#include "registry.h"
#include "sync.h"
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

  // Runtime code (see lock_queue): the lock is held briefly.
  void push(task &&t) {
    stm::rt::runtime_scope scope;
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
    stm::rt::runtime_scope scope;
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
  unsigned running = 0; // tasks taken by workers and not finished
  unsigned idle = 0;    // workers waiting for tasks
  unsigned active_workers = 1;
  std::atomic<bool> stopping{false};
  std::exception_ptr first_error;
};

namespace {

using stm::rt::current_thread;
using stm::rt::runtime_scope;
using stm::rt::thread_record;

// The queue's lock is only ever held for bookkeeping: no holder waits for a
// segment, a collection or an inevitable transaction. A worker that finds it
// taken gives its segment up first, so that it never waits holding one.
std::unique_lock<std::mutex> lock_queue(queue_core &q) {
  std::unique_lock<std::mutex> lock(q.mutex, std::try_to_lock);
  if (lock.owns_lock())
    return lock;
  if (thread_record *t = current_thread(); t && t->seg)
    stm::rt::detach(*t);
  lock.lock();
  return lock;
}

// Takes tasks for one worker (a share of the pending ones, so that the lock
// is not taken for every task); false when there are none now.
bool take_batch(queue_core &q, std::vector<task> &batch) {
  if (q.stopping_now() || q.pending.empty())
    return false;
  std::size_t share = q.pending.size() / (2 * q.active_workers) + 1;
  for (; share > 0 && !q.pending.empty(); --share) {
    batch.push_back(std::move(q.pending.front()));
    q.pending.pop_front();
  }
  q.running += static_cast<unsigned>(batch.size());
  return true;
}

// A worker holds a segment only while it runs tasks: it never waits for one
// while holding the queue's lock, and gives it up while it waits for tasks
// (a waiting worker must not hold up threads that need a segment, nor pin
// the log).
void work(queue_core &q) {
  std::vector<task> batch;
  for (;;) {
    // Finished tasks are destroyed (their memory freed) outside the lock.
    const auto finished = static_cast<unsigned>(batch.size());
    batch.clear();
    bool have = false;
    {
      runtime_scope scope;
      std::unique_lock<std::mutex> lock = lock_queue(q);
      q.running -= finished;
      if (q.running == 0 || q.stopping_now())
        q.changed.notify_all();
      have = take_batch(q, batch);
      if (!have && !q.stopping_now() && (q.running > 0 || !q.pending.empty())) {
        // While tasks run they may add tasks (which arrive when they commit).
        lock.unlock();
        if (thread_record *t = current_thread(); t && t->seg)
          stm::rt::detach(*t);
        lock = lock_queue(q);
        ++q.idle;
        q.changed.wait(lock,
                       [&] { return q.stopping_now() || !q.pending.empty() || q.running == 0; });
        --q.idle;
        have = take_batch(q, batch);
      }
    }
    if (!have)
      break;
    for (task &t : batch) {
      try {
        run_atomic(t, t.site());
      } catch (...) {
        q.stop(std::current_exception());
      }
      if (q.stopping_now())
        break;
    }
  }
  q.changed.notify_all();
}

// Tasks added by the running atomic block: queued if it commits, dropped if
// it aborts.
thread_local std::vector<std::pair<queue_core *, task>> t_pending_tasks;

void publish_pending_tasks(void *) {
  std::vector<std::pair<queue_core *, task>> tasks;
  tasks.swap(t_pending_tasks);
  for (auto &[core, t] : tasks)
    core->push(std::move(t));
}

void drop_pending_tasks(void *) { t_pending_tasks.clear(); }

} // namespace

queue_core *queue_create(unsigned workers) { return new queue_core(workers); }

void queue_destroy(queue_core *core) noexcept { delete core; }

void queue_add(queue_core *core, task &&t) {
  if (_stm_tls.atomic_depth > 0) {
    if (t_pending_tasks.empty()) {
      _stm_on_commit(publish_pending_tasks, nullptr);
      _stm_on_abort(drop_pending_tasks, nullptr);
    }
    t_pending_tasks.emplace_back(core, std::move(t));
    return;
  }
  core->push(std::move(t));
}

std::size_t queue_size(const queue_core *core) noexcept {
  runtime_scope scope;
  std::lock_guard<std::mutex> lock(core->mutex);
  return core->pending.size();
}

void queue_run(queue_core *core) {
  __builtin_unwind_init(); // the caller's registers stay on the stack while it waits
  if (_stm_tls.atomic_depth > 0)
    throw nesting_error("stm::transaction_queue::run cannot be called inside an atomic block");
  unsigned workers = core->workers ? core->workers : stm_segment_limit();
  {
    runtime_scope scope;
    std::lock_guard<std::mutex> lock(core->mutex);
    core->stopping.store(false, std::memory_order_relaxed);
    core->first_error = nullptr;
    core->active_workers = workers;
    if (core->pending.empty())
      return;
  }
  // Publish what the caller did so far and lend its segment to the workers.
  thread_record *caller = current_thread();
  if (caller) {
    runtime_scope scope;
    stm::rt::detach(*caller);
  }
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (unsigned i = 0; i < workers; ++i)
    threads.emplace_back(work, std::ref(*core));
  for (auto &t : threads)
    t.join();
  if (caller) {
    runtime_scope scope;
    stm::rt::reattach(*caller);
  }
  std::exception_ptr error;
  {
    runtime_scope scope;
    std::lock_guard<std::mutex> lock(core->mutex);
    error = core->first_error;
    core->first_error = nullptr;
  }
  if (error)
    std::rethrow_exception(error);
}

} // namespace stm::detail
