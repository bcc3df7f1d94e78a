// stm::thread_local_property<T>: a field whose value is per thread (the
// seed's threadlocalproperty). Each thread that uses it has its own value,
// kept outside the managed heap, so reading and writing it never conflicts:
// caches, and scratch space that a transaction fills and empties.
#ifndef STMIFY_DETAIL_THREAD_LOCAL_PROPERTY_HPP
#define STMIFY_DETAIL_THREAD_LOCAL_PROPERTY_HPP

#ifndef STMIFY_STM_HPP
#error "include <stmify/stm.hpp>, not this file"
#endif

#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace stm {

namespace detail {

// A key no other property ever had, so that a property made where a
// collected one was never finds its values.
inline std::uint64_t new_property_key() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The calling thread's values of every property of type T, and the keys
// whose value the running atomic block saved before it changed it.
template <class T> struct property_store {
  std::unordered_map<std::uint64_t, T> values;
  std::unordered_set<std::uint64_t> saved;
};
template <class T> property_store<T> &property_values() {
  thread_local property_store<T> store;
  return store;
}

// Before the running atomic block first changes a value (or makes or
// drops it): what it was, put back if the block is rolled back.
template <class T> void save_property(std::uint64_t key) {
  property_store<T> &store = property_values<T>();
  if (!is_atomic() || !store.saved.insert(key).second)
    return;
  std::optional<T> before;
  if (auto found = store.values.find(key); found != store.values.end())
    before = found->second;
  on_abort([key, before = std::move(before)]() mutable {
    property_store<T> &now = property_values<T>();
    now.saved.erase(key);
    if (before)
      now.values.insert_or_assign(key, std::move(*before));
    else
      now.values.erase(key);
  });
  on_commit([key] { property_values<T>().saved.erase(key); });
}

} // namespace detail

template <class T> class thread_local_property {
public:
  using value_type = T;
  using factory_type = T (*)();

  // Without a factory, get() of a thread that set no value throws
  // std::logic_error; with one, the factory makes the thread's first value.
  thread_local_property() noexcept : key_(detail::new_property_key()) {}
  explicit thread_local_property(factory_type factory) noexcept
      : key_(detail::new_property_key()), factory_(factory) {}
  // A copy is another property: it has no values yet.
  thread_local_property(const thread_local_property &other) noexcept
      : key_(detail::new_property_key()), factory_(other.factory_) {}
  thread_local_property &operator=(const thread_local_property &) noexcept { return *this; }

  // The calling thread's value. Inside an atomic block, the value is saved
  // before the block first uses it, and put back if the block is rolled
  // back. The reference stays valid until the thread calls clear() or ends.
  T &get() const {
    // Read first: the property may be a field, in the segment that the
    // factory (the program's code) may move the thread out of.
    const std::uint64_t key = key_;
    const factory_type factory = factory_;
    detail::property_store<T> &store = detail::property_values<T>();
    detail::save_property<T>(key);
    auto found = store.values.find(key);
    if (found != store.values.end())
      return found->second;
    if (!factory)
      throw std::logic_error("stm::thread_local_property::get: this thread has no value "
                             "and the property has no default factory");
    T made = factory();
    return store.values.emplace(key, std::move(made)).first->second;
  }

  void set(T value) const {
    detail::save_property<T>(key_);
    detail::property_values<T>().values.insert_or_assign(key_, std::move(value));
  }

  // Whether the calling thread has a value.
  bool has_value() const { return detail::property_values<T>().values.count(key_) != 0; }

  // Drops the calling thread's value. Inside an atomic block it comes back
  // if the block is rolled back.
  void clear() const {
    detail::save_property<T>(key_);
    detail::property_values<T>().values.erase(key_);
  }

private:
  std::uint64_t key_;
  factory_type factory_ = nullptr;
};

} // namespace stm

#endif // STMIFY_DETAIL_THREAD_LOCAL_PROPERTY_HPP
