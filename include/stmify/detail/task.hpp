// A move-only type-erased nullary callable, used for queued tasks. Bound
// arguments are stored decayed and passed as lvalues, because under the plugin
// a task that conflicts runs again with the same arguments.
#ifndef STMIFY_DETAIL_TASK_HPP
#define STMIFY_DETAIL_TASK_HPP

#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stm::detail {

class task {
public:
  task() = default;

  template <class F, class... Args>
  explicit task(F &&f, Args &&...args)
      : impl_(make_holder(std::forward<F>(f), std::forward<Args>(args)...)) {}

  explicit operator bool() const { return impl_ != nullptr; }
  void operator()() { impl_->run(); }

private:
  struct callable {
    virtual ~callable() = default;
    virtual void run() = 0;
  };

  template <class F, class Tuple> struct holder final : callable {
    holder(F f, Tuple args) : fn(std::move(f)), bound(std::move(args)) {}
    void run() override { std::apply(fn, bound); }
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
};

} // namespace stm::detail

#endif // STMIFY_DETAIL_TASK_HPP
