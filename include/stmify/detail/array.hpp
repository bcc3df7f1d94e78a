// stm::array<T>: a managed array of fixed length, allocated with
// stm::make_array<T>(n). Its elements are read and written through get/set, so
// that under the plugin a write backs up and publishes only the 512-byte card
// that holds the element, however long the array is.
#ifndef STMIFY_DETAIL_ARRAY_HPP
#define STMIFY_DETAIL_ARRAY_HPP

#ifndef STMIFY_STM_HPP
#error "include <stmify/stm.hpp>, not this file"
#endif

#include <cstddef>
#include <type_traits>

namespace stm {

class string;
template <class T> class array;

namespace detail {
// The elements that follow a managed object of variable size (stm::array,
// the storage of a stm::vector), aligned for T.
template <class Object, class T> struct trailing_items {
  static constexpr std::size_t offset() noexcept {
    return (sizeof(Object) + alignof(T) - 1) / alignof(T) * alignof(T);
  }
  // Saturates instead of wrapping around, so that a huge count is refused.
  static constexpr std::size_t bytes_for(std::size_t count) noexcept {
    return count > (~std::size_t(0) - offset()) / sizeof(T) ? ~std::size_t(0)
                                                            : offset() + count * sizeof(T);
  }
  static T *of(Object *object) noexcept {
    return reinterpret_cast<T *>(reinterpret_cast<char *>(object) + offset());
  }
  static const T *of(const Object *object) noexcept {
    return reinterpret_cast<const T *>(reinterpret_cast<const char *>(object) + offset());
  }
};
} // namespace detail
template <class T> array<T> *make_array(std::size_t length);

template <class T> class array final : public object {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "stm::array<T>: T must be trivially copyable and destructible "
                "(numbers, plain structs, pointers to managed objects)");
  static_assert(!std::is_same_v<T, string>,
                "stm::array<stm::string> is not supported (without the plugin a "
                "stm::string is not trivially copyable); hold each string in a "
                "managed object, and use stm::array<T *>");
  static_assert(!is_managed_v<T>, "stm::array<T>: managed objects cannot be stored by value; use "
                                  "stm::array<T *>");

public:
  using value_type = T;

  std::size_t size() const noexcept { return detail::read_immutable(this)->length_; }

  T get(std::size_t i) const noexcept {
    const array *self = detail::read_object(this);
    return self->items()[i];
  }
  // Built with read sites, the plugin passes the read's site.
  T get(std::size_t i, const char *site) const noexcept {
    const array *self = detail::read_object(this, site);
    return self->items()[i];
  }

  void set(std::size_t i, T value, const char *site = nullptr) noexcept {
    array *self = detail::write_array_item(this, items_offset() + i * sizeof(T), site);
    self->items()[i] = detail::canonical(value);
  }

#if defined(__STMIFY__)
  using __stmify_traced_type = array;
  static constexpr bool __stmify_variable_size = true;
  static void __stmify_trace(const void *obj, stm_visit_fn visit, void *ctx) noexcept {
    const array *self = static_cast<const array *>(obj);
    for (std::size_t i = 0; i < self->length_; ++i)
      detail::trace_value(self->items()[i], visit, ctx);
  }
#endif

private:
  friend array *make_array<T>(std::size_t);
  friend struct detail::access;

  explicit array(std::size_t length) noexcept
      : length_(length), cards_(detail::tracks_cards(bytes_for(length))) {}

  using layout = detail::trailing_items<array, T>;
  static constexpr std::size_t items_offset() noexcept { return layout::offset(); }
  static constexpr std::size_t bytes_for(std::size_t length) noexcept {
    return layout::bytes_for(length);
  }
  T *items() noexcept { return layout::of(this); }
  const T *items() const noexcept { return layout::of(this); }

  std::size_t length_;
  bool cards_; // writes are tracked per card (see _STM_CARD_MIN_OBJECT)
};

// A managed array of `length` zero-initialised elements.
template <class T> array<T> *make_array(std::size_t length) {
  void *memory = detail::allocate_array_memory<array<T>>(array<T>::bytes_for(length));
  return detail::finish_make(::new (memory) array<T>(length));
}

} // namespace stm

#endif // STMIFY_DETAIL_ARRAY_HPP
