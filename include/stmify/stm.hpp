// stmify — software transactional memory for C++.
//
// The user-level API. The same annotated source builds two ways:
//
//   * with the stmify plugin (clang++-19 -fplugin=libstmify.so, which defines
//     __STMIFY__): barriers, transaction boundaries and inevitability hooks are
//     inserted and the program runs on the stmify runtime, in parallel;
//   * with any C++17 compiler and no plugin: the *fallback*. stm::atomic takes one
//     global recursive lock, transaction_queue runs its tasks one after another
//     under that lock, and managed objects are plain heap objects.
//
// Both builds give the same results for a correct program: every atomic block and
// every queued task appears to run alone, in some serial order.
//
//   struct Account : stm::object { long balance = 0; };
//   Account* a = stm::make<Account>();
//   stm::atomic([&] { a->balance -= 10; b->balance += 10; });
//
//   stm::transaction_queue tq;
//   for (Account* acc : accounts) tq.add([acc] { acc->balance += 1; });
//   tq.run();
#ifndef STMIFY_STM_HPP
#define STMIFY_STM_HPP

#if __cplusplus < 201703L
#error "stmify needs C++17 or later (-std=c++17)"
#endif

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

// Marks a function as safe to call inside a transaction although stmify does not
// instrument it (it touches no shared memory, or only through barriers): the
// plugin then inserts no inevitability hook before calls to it.
//   STM_TX_SAFE double interest(double rate, int years);
#if defined(__clang__)
#define STM_TX_SAFE [[clang::annotate("stmify.tx_safe")]]
#else
#define STM_TX_SAFE
#endif

// Marks the trace functions stmify generates: the collector calls them while
// every thread is stopped, and they read fields whatever lock guards them, so
// clang's -Wthread-safety has nothing to check there (g++ would warn about
// the attribute).
#if defined(__clang__)
#define STMIFY_DETAIL_NO_THREAD_SAFETY_ANALYSIS __attribute__((no_thread_safety_analysis))
#else
#define STMIFY_DETAIL_NO_THREAD_SAFETY_ANALYSIS
#endif

namespace stm {

namespace detail {
template <class...> inline constexpr bool dependent_false = false;

struct access; // reaches the runtime's parts of managed objects

// Which end of the enclosing atomic block a handler waits for (stm::on_commit,
// stm::on_abort).
enum class transaction_end { commit, abort };

// Makes `new T` on a managed class a compile error in both builds: managed
// objects come from stm::make (which uses the global ::new).
class allocated_by_make {
public:
  template <class... Args> static void *operator new(std::size_t, Args &&...) {
    static_assert(dependent_false<Args...>,
                  "managed objects are allocated with stm::make<T>(...), "
                  "not with new");
    throw std::bad_alloc();
  }
  template <class... Args>
  static void *operator new[](std::size_t, Args &&...) {
    static_assert(dependent_false<Args...>,
                  "arrays of managed objects cannot be allocated with new[]");
    throw std::bad_alloc();
  }
};
} // namespace detail

// Thrown by stm::exclusive_atomic when it is called inside another atomic block.
class nesting_error : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

// Thrown by stm::make when the managed heap is full; the message names the
// limit (STMIFY_HEAP_LIMIT under the plugin).
class heap_exhausted : public std::bad_alloc {
public:
  const char *what() const noexcept override;
};

// Counts since the process started, and its peak memory. Without the plugin,
// every outermost atomic block counts as a commit and nothing ever aborts.
struct statistics {
  unsigned long long commits = 0;             // atomic blocks committed
  unsigned long long aborts = 0;              // attempts rolled back: after a conflict, or
                                              // by stm::atomic_cancel
  unsigned long long inevitable = 0;          // transactions that became inevitable
  unsigned long long ambient_commits = 0;     // publications outside atomic blocks
  unsigned long long collections = 0;         // garbage collections
  unsigned long long gc_pause_ns = 0;         // time threads were stopped for them
  unsigned long long gc_max_pause_ns = 0;     // the longest such pause
  unsigned long long live_bytes = 0;          // managed bytes alive after the last one
  unsigned long long peak_resident_bytes = 0; // the process's peak resident memory
};

} // namespace stm

#if defined(__STMIFY__)
#include <stmify/detail/instrumented.hpp>
#else
#include <stmify/detail/fallback.hpp>
#endif

namespace stm {

// True when this translation unit was compiled by the stmify plugin (or from the
// stmify tool's output) and runs on the transactional runtime.
inline constexpr bool instrumented = detail::instrumented_build;

template <class T> inline constexpr bool is_managed_v = std::is_base_of_v<object, T>;

// An identity for a managed object: the same in every thread for the object's
// whole life (another object may get it after this one is collected).
template <class T> std::uintptr_t id(const T *p) noexcept {
  static_assert(is_managed_v<T>, "stm::id: T must derive from stm::object");
  return reinterpret_cast<std::uintptr_t>(detail::identity(p));
}

// A hash of the object's identity, for hash tables keyed by managed objects.
template <class T> std::size_t hash(const T *p) noexcept {
  std::size_t x = id(p); // 64 bits: the runtime needs a 64-bit address space
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
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

// Runs f() as one atomic block and returns its result (void, a value or a
// reference, exactly as f returns it). Atomic blocks nest; a nested block is part
// of the outermost one. An exception leaving f commits the block's effects and
// propagates. Under the plugin the block may be executed more than once (after a
// conflict); only the last execution's effects are kept.
// site is filled in by the transformer (file:line:col, for conflict reports).
template <class F> decltype(auto) atomic(F &&f, const char *site = nullptr) {
  return detail::run_atomic(std::forward<F>(f), site);
}

// Like stm::atomic, but throws stm::nesting_error when called inside another
// atomic block: use it where the block must be a transaction of its own.
template <class F>
decltype(auto) exclusive_atomic(F &&f, const char *site = nullptr) {
  if (is_atomic())
    throw nesting_error("stm::exclusive_atomic called inside an atomic block");
  return detail::run_atomic(std::forward<F>(f), site);
}

// Runs f() once the enclosing atomic block has committed: once, in the thread
// that ran the block, after the block (outside any atomic block). Output or
// other calls that cannot be rolled back belong here: inside the block they
// make it inevitable (it then runs alone), in a handler they do not. Handlers
// run in the order they were added; one added in a nested block waits for the
// outermost block. f is moved or copied into the handler: capture by value
// what it uses, as the block's locals are gone when it runs. An exception
// leaving f ends the program (std::terminate). Outside atomic blocks, f runs
// at once, and an exception from it reaches the caller.
template <class F> void on_commit(F &&f) {
  detail::add_end_handler(std::forward<F>(f), detail::transaction_end::commit);
}

// Runs f() each time the enclosing atomic block is rolled back (after a
// conflict, or by stm::atomic_cancel), after the rollback and before the
// block runs again; f is dropped when the block commits. As for on_commit,
// f is a copy, runs outside any atomic block and must not throw. Outside
// atomic blocks, and in the fallback build (where nothing rolls back), f
// never runs.
template <class F> void on_abort(F &&f) {
  detail::add_end_handler(std::forward<F>(f), detail::transaction_end::abort);
}

// Allocates a managed object and constructs it with args. Managed objects are
// never deleted by the program; the runtime reclaims them when unreachable.
template <class T, class... Args> T *make(Args &&...args) {
  static_assert(is_managed_v<T>,
                "stm::make<T>: T must derive from stm::object");
  static_assert(!std::is_abstract_v<T>,
                "stm::make<T>: T is abstract and cannot be allocated");
  static_assert(std::is_constructible_v<T, Args...>,
                "stm::make<T>(args...): T has no constructor taking these "
                "arguments (an aggregate with a stm::object base cannot be "
                "initialised through stm::make; give T a constructor)");
  return detail::make_object<T>(std::forward<Args>(args)...);
}

} // namespace stm

#include <stmify/detail/array.hpp>
#include <stmify/detail/string.hpp>
#include <stmify/detail/vector.hpp>
#include <stmify/detail/dict.hpp>
#include <stmify/detail/queue.hpp>
#include <stmify/detail/thread_local_property.hpp>

#endif // STMIFY_STM_HPP
