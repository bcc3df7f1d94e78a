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
#include <cstddef>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <stmify/detail/task.hpp>
#include <sys/resource.h>
#include <utility>
#include <vector>

namespace stm {

namespace detail {

inline constexpr bool instrumented_build = false;

inline std::recursive_mutex &global_lock() {
  static std::recursive_mutex lock;
  return lock;
}

inline thread_local unsigned atomic_depth = 0;

inline std::atomic<unsigned long long> &committed_blocks() {
  static std::atomic<unsigned long long> count{0};
  return count;
}

class atomic_depth_scope {
public:
  atomic_depth_scope() {
    if (atomic_depth++ == 0)
      committed_blocks().fetch_add(1, std::memory_order_relaxed);
  }
  ~atomic_depth_scope() { --atomic_depth; }
  atomic_depth_scope(const atomic_depth_scope &) = delete;
  atomic_depth_scope &operator=(const atomic_depth_scope &) = delete;
};

// The stm::on_commit handlers of the outermost atomic block this thread runs.
inline thread_local std::vector<task> commit_handlers;

// Runs them when the block has ended, by its end or by an exception (which
// commits it), and has released the lock.
class commit_handlers_scope {
public:
  commit_handlers_scope() = default;
  ~commit_handlers_scope() {
    std::vector<task> due;
    due.swap(commit_handlers);
    for (task &handler : due)
      handler();
  }
  commit_handlers_scope(const commit_handlers_scope &) = delete;
  commit_handlers_scope &operator=(const commit_handlers_scope &) = delete;
};

template <class F> decltype(auto) run_atomic(F &&f, const char * /*site*/ = nullptr) {
  std::optional<commit_handlers_scope> handlers; // destroyed after the lock
  if (atomic_depth == 0)
    handlers.emplace();
  std::lock_guard<std::recursive_mutex> lock(global_lock());
  atomic_depth_scope depth;
  return std::forward<F>(f)();
}

// A lock-holding block never rolls back: on_abort handlers never run.
template <class F> void add_end_handler(F &&f, transaction_end when) {
  if (when == transaction_end::abort)
    return;
  if (atomic_depth == 0)
    std::forward<F>(f)();
  else
    commit_handlers.emplace_back(std::forward<F>(f));
}

template <class F> decltype(auto) blocking(const char * /*what*/, F &&call) {
  return std::forward<F>(call)();
}

template <class T, class... Args> T *make_object(Args &&...args) {
  return ::new T(std::forward<Args>(args)...);
}

// stm::array in the fallback: plain memory, no barriers.
template <class T> const T *read_immutable(const T *p) noexcept { return p; }
template <class T> const T *read_object(const T *p) noexcept { return p; }
template <class T> const T *read_object(const T *p, const char *) noexcept { return p; }
template <class A> A *write_array_item(A *p, std::size_t, const char *) noexcept { return p; }
template <class A> void *allocate_array_memory(std::size_t bytes) {
  void *memory = ::operator new(bytes);
  std::memset(memory, 0, bytes);
  return memory;
}
template <class T> T *finish_make(T *object) noexcept { return object; }
inline bool tracks_cards(std::size_t) noexcept { return false; }
template <class T> T canonical(T value) noexcept { return value; }

// A task runs once (under the global lock, as a block): nothing to put back.
template <class F, class Tuple> struct task_attempt {
  static void begin(F &) noexcept {}
};

} // namespace detail

// Base of every managed class. In the fallback it is empty.
class object : public detail::allocated_by_make {};

namespace detail {
template <class T> const void *identity(const T *p) noexcept {
  return static_cast<const object *>(p);
}
} // namespace detail

inline const char *heap_exhausted::what() const noexcept {
  return "stmify: out of memory allocating a managed object";
}

// True inside an atomic block (or a queued task).
inline bool is_atomic() { return detail::atomic_depth > 0; }

// A lock-holding block never rolls back, so inside an atomic block the fallback
// is always inevitable, and becoming inevitable costs nothing.
inline bool is_inevitable() { return is_atomic(); }
inline void become_inevitable(const char * /*reason*/) {}

// Without the plugin there is no collector: managed objects are never freed.
inline void collect() {}

// Nothing is buffered in the fallback, so there is nothing to commit sooner.
inline void hint_commit_soon() {}

// Rolling back an atomic block on an exception is something a lock cannot do.
template <class F> void atomic_cancel(F &&, const char * /*site*/ = nullptr) {
  static_assert(detail::dependent_false<F>,
                "stm::atomic_cancel needs the stmify plugin: without it "
                "stm::atomic is a lock, and a lock cannot roll back the "
                "block's effects. Build with -fplugin=libstmify.so.");
}

inline statistics stats() {
  statistics s;
  s.commits = detail::committed_blocks().load(std::memory_order_relaxed);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  s.peak_resident_bytes = static_cast<unsigned long long>(usage.ru_maxrss) * 1024; // KiB on Linux
  return s;
}

// The number of atomic blocks that can run in parallel: 1 without the plugin.
inline unsigned segment_limit() { return 1; }

// A different positive integer on every call, without conflicts between threads.
// The values only roughly increase across threads.
inline unsigned long long count() {
  static std::atomic<unsigned long long> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) + 1;
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
    detail::task t = detail::make_task(std::forward<F>(f), std::forward<Args>(args)...);
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
