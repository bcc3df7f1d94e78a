// The no-plugin build of the stmify API: one global recursive lock stands in
// for transactions. Everything a lock can do honestly is here and behaves like
// the transactional build for correct programs; stm::atomic_cancel, which needs
// a real rollback, is a compile-time error.
#ifndef STMIFY_DETAIL_FALLBACK_HPP
#define STMIFY_DETAIL_FALLBACK_HPP

#ifndef STMIFY_STM_HPP
#error "include <stmify/stm.hpp>, not this file"
#endif

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <stmify/detail/task.hpp>
#include <utility>

namespace stm {

namespace detail {

inline constexpr bool instrumented_build = false;

inline std::recursive_mutex &global_lock() {
  static std::recursive_mutex lock;
  return lock;
}

inline thread_local unsigned atomic_depth = 0;

class atomic_depth_scope {
public:
  atomic_depth_scope() { ++atomic_depth; }
  ~atomic_depth_scope() { --atomic_depth; }
  atomic_depth_scope(const atomic_depth_scope &) = delete;
  atomic_depth_scope &operator=(const atomic_depth_scope &) = delete;
};

template <class F> decltype(auto) run_atomic(F &&f) {
  std::lock_guard<std::recursive_mutex> lock(global_lock());
  atomic_depth_scope depth;
  return std::forward<F>(f)();
}

template <class T, class... Args> T *make_object(Args &&...args) {
  return ::new T(std::forward<Args>(args)...);
}

} // namespace detail

// Base of every managed class. In the fallback it is empty; it still makes
// `new T` on a managed class a compile error, so both builds accept the same
// programs.
class object {
public:
  template <class... Args> static void *operator new(std::size_t, Args &&...) {
    static_assert(detail::dependent_false<Args...>,
                  "managed objects are allocated with stm::make<T>(...), "
                  "not with new");
    throw std::bad_alloc();
  }
  template <class... Args>
  static void *operator new[](std::size_t, Args &&...) {
    static_assert(detail::dependent_false<Args...>,
                  "arrays of managed objects cannot be allocated with new[]");
    throw std::bad_alloc();
  }
};

// True inside an atomic block (or a queued task).
inline bool is_atomic() { return detail::atomic_depth > 0; }

// A lock-holding block never rolls back, so inside an atomic block the fallback
// is always inevitable, and becoming inevitable costs nothing.
inline bool is_inevitable() { return is_atomic(); }
inline void become_inevitable(const char * /*reason*/) {}

// Nothing is buffered in the fallback, so there is nothing to commit sooner.
inline void hint_commit_soon() {}

// Rolling back an atomic block on an exception is something a lock cannot do.
template <class F> void atomic_cancel(F &&) {
  static_assert(detail::dependent_false<F>,
                "stm::atomic_cancel needs the stmify plugin: without it "
                "stm::atomic is a lock, and a lock cannot roll back the "
                "block's effects. Build with -fplugin=libstmify.so.");
}

// The number of atomic blocks that can run in parallel: 1 without the plugin.
inline unsigned segment_limit() { return 1; }

// A different positive integer on every call, without conflicts between threads.
// The values only roughly increase across threads.
inline unsigned long long count() {
  static std::atomic<unsigned long long> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) + 1;
}

// Seconds since the Unix epoch (wall clock), and seconds on a monotonic clock.
// Neither makes a transaction inevitable; two calls are ordered only when the
// program can tell which came first (for example, the same thread made both).
inline double time() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}
inline double clock() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Runs queued tasks so that they appear to run one after another in some serial
// order. Tasks may add tasks. If a task throws, its effects are kept (as for any
// atomic block), no further task starts, the tasks not yet started are dropped,
// and run() rethrows the first exception once the running tasks have finished.
// The fallback runs the tasks in the calling thread, in the order they were added.
class transaction_queue {
public:
  transaction_queue() = default;
  explicit transaction_queue(unsigned /*workers*/) {}
  transaction_queue(const transaction_queue &) = delete;
  transaction_queue &operator=(const transaction_queue &) = delete;

  template <class F, class... Args> void add(F &&f, Args &&...args) {
    detail::task t(std::forward<F>(f), std::forward<Args>(args)...);
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(std::move(t));
  }

  // Number of tasks added and not started yet.
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return pending_.size();
  }

  void run() {
    for (;;) {
      detail::task next;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (pending_.empty())
          return;
        next = std::move(pending_.front());
        pending_.pop_front();
      }
      try {
        detail::run_atomic(next);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_.clear();
        throw;
      }
    }
  }

private:
  mutable std::mutex mutex_;
  std::deque<detail::task> pending_;
};

} // namespace stm

#endif // STMIFY_DETAIL_FALLBACK_HPP
