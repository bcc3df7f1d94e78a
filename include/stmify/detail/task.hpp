// A move-only type-erased nullary callable, used for queued tasks. Bound
// arguments are stored decayed and passed as lvalues, because under the plugin
// a task that conflicts runs again with the same arguments.
#ifndef STMIFY_DETAIL_TASK_HPP
#define STMIFY_DETAIL_TASK_HPP

#include <cstddef>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stm::detail {

// The site of a transaction_queue::add call ("file:line:column", for the
// conflict report): the transformer appends one to the call's arguments.
struct task_site {
  const char *site;
};

// Prepares each attempt of a task whose function object is F and whose bound
// arguments are Tuple. Defined by the build's header: under the plugin a task
// that lost a conflict runs again, and what the lost attempt changed in the
// task's own function object must not reach the next one.
template <class F, class Tuple> struct task_attempt;

class task {
public:
  task() = default;

  template <class F, class... Args>
  explicit task(F &&f, Args &&...args)
      : impl_(make_holder(std::forward<F>(f), std::forward<Args>(args)...)) {}

  explicit operator bool() const { return impl_ != nullptr; }
  void operator()() const { impl_->run(); }
  const char *site() const { return site_; }
  void set_site(const char *site) { site_ = site; }

private:
  struct callable {
    virtual ~callable() = default;
    virtual void run() = 0;
  };

  template <class F, class Tuple> struct holder final : callable {
    holder(F f, Tuple args) : fn(std::move(f)), bound(std::move(args)) {}
    void run() override {
      task_attempt<F, Tuple>::begin(fn);
      std::apply(fn, bound);
    }
    F fn;
    Tuple bound;
  };

  template <class F, class... Args>
  static std::unique_ptr<callable> make_holder(F &&f, Args &&...args) {
    using Fn = std::decay_t<F>;
    using Tuple = std::tuple<std::decay_t<Args>...>;
    static_assert(std::is_invocable_v<Fn &, std::decay_t<Args> &...>,
                  "stm::transaction_queue::add(f, args...): f cannot be "
                  "called with these arguments (they are passed as lvalues)");
    return std::make_unique<holder<Fn, Tuple>>(
        Fn(std::forward<F>(f)), Tuple(std::forward<Args>(args)...));
  }

  std::unique_ptr<callable> impl_;
  const char *site_ = nullptr;
};

template <class... T> struct ends_with_task_site : std::false_type {};
template <class T>
struct ends_with_task_site<T> : std::is_same<std::decay_t<T>, task_site> {};
template <class T, class U, class... Rest>
struct ends_with_task_site<T, U, Rest...> : ends_with_task_site<U, Rest...> {};

template <class F, class Tuple, std::size_t... I>
task task_of_first(F &&f, Tuple &&args, std::index_sequence<I...>) {
  return task(std::forward<F>(f), std::get<I>(std::forward<Tuple>(args))...);
}

// The task f(args...); a task_site that ends args is the task's site, not an
// argument of f.
template <class F, class... Args> task make_task(F &&f, Args &&...args) {
  if constexpr (ends_with_task_site<Args...>::value) {
    constexpr std::size_t bound = sizeof...(Args) - 1;
    auto all = std::forward_as_tuple(std::forward<Args>(args)...);
    const char *site = std::get<bound>(all).site;
    task t = task_of_first(std::forward<F>(f), std::move(all), std::make_index_sequence<bound>{});
    t.set_site(site);
    return t;
  } else {
    return task(std::forward<F>(f), std::forward<Args>(args)...);
  }
}

} // namespace stm::detail

#endif // STMIFY_DETAIL_TASK_HPP
