// stm::vector<T>: a growable array with std::vector's interface that a
// managed class may hold as a field. Under the plugin the vector itself is
// one managed reference to a body (the size and the storage), made when the
// vector is made and never replaced: every method, assignment included,
// changes only the body and the storage, through barriers of its own, so the
// object holding the vector is only read. The storage tracks writes per
// 512-byte card, as stm::array does. In the fallback the representation is a
// std::vector.
#ifndef STMIFY_DETAIL_VECTOR_HPP
#define STMIFY_DETAIL_VECTOR_HPP

#ifndef STMIFY_STM_HPP
#error "include <stmify/stm.hpp>, not this file"
#endif

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace stm {

template <class T> class vector;

namespace detail {

// Whether ==, < and std::hash of T are the library's code: then they reach
// no safe point, where the thread could move to another segment while they
// read through an address in the one it leaves.
template <class T>
inline constexpr bool compared_by_library_v = std::is_arithmetic_v<T> || std::is_enum_v<T> ||
                                              std::is_pointer_v<T> || std::is_same_v<T, string>;

#if defined(__STMIFY__)

// The elements: a managed object of variable size, zero when made. Elements
// past the vector's size are kept zero, so that the collector finds no
// reference the vector dropped.
template <class T> struct vector_storage final : object {
  explicit vector_storage(std::size_t capacity) noexcept
      : capacity_(capacity), cards_(tracks_cards(bytes_for(capacity))) {}

  using layout = trailing_items<vector_storage, T>;
  static constexpr std::size_t items_offset() noexcept { return layout::offset(); }
  static constexpr std::size_t bytes_for(std::size_t capacity) noexcept {
    return layout::bytes_for(capacity);
  }
  T *items() noexcept { return layout::of(this); }
  const T *items() const noexcept { return layout::of(this); }

  using __stmify_traced_type = vector_storage;
  static constexpr bool __stmify_variable_size = true;
  static void __stmify_trace(const void *obj, stm_visit_fn visit, void *ctx) noexcept {
    const auto *self = static_cast<const vector_storage *>(obj);
    for (std::size_t i = 0; i < self->capacity_; ++i)
      trace_value(self->items()[i], visit, ctx);
  }

  std::size_t capacity_; // never changes
  bool cards_;           // writes are tracked per card (read by access::cards)
};

template <class T> struct vector_body final : object {
  std::size_t size_ = 0;
  vector_storage<T> *storage_ = nullptr; // canonical; null while the capacity is 0

  using __stmify_traced_type = vector_body;
  static void __stmify_trace(const void *obj, stm_visit_fn visit, void *ctx) noexcept {
    visit(ctx, static_cast<const vector_body *>(obj)->storage_);
  }
};

// One canonical reference to a body. Copies name the same body: the vector
// copies elements, not this. A representation may itself lie in a segment
// (a field of a managed object): its functions read it once, first, and work
// on the copy, since an allocation may move the thread to another segment.
template <class T> class vector_rep {
  using body = vector_body<T>;
  using storage = vector_storage<T>;

public:
  vector_rep() noexcept = default; // no body: an iterator's, before it is set
  static vector_rep make() { return vector_rep(make_object<body>()); }
  // A new vector with the source's elements.
  static vector_rep copy_of(vector_rep source) {
    vector_rep made = make();
    made.assign(source);
    return made;
  }
  // A new vector with the source's elements, which the source loses.
  static vector_rep taken_from(vector_rep source) {
    vector_rep made = make();
    made.take(source);
    return made;
  }
  // What functions that allocate work on.
  vector_rep local() const noexcept { return *this; }

  static constexpr std::size_t max_size() noexcept {
    return (STM_MAX_OBJECT_BYTES - storage::items_offset()) / sizeof(T);
  }
  std::size_t size() const noexcept { return rd(body_)->size_; }
  std::size_t capacity() const noexcept { return capacity_of(body_); }
  bool same_as(const vector_rep &other) const noexcept { return body_ == other.body_; }

  // The first element, for reading; null while the capacity is 0.
  const T *read() const noexcept {
    const storage *items = rd(body_)->storage_;
    return items ? read_object(items)->items() : nullptr;
  }
  // Element `first`, with the elements before `last` backed up for writing
  // (card by card in a long vector). first < last <= capacity().
  T *write(std::size_t first, std::size_t last) noexcept {
    storage *items = rd(body_)->storage_;
    storage *local = nullptr;
    const std::size_t end = storage::items_offset() + last * sizeof(T);
    for (std::size_t offset = storage::items_offset() + first * sizeof(T);;) {
      local = write_array_item(items, offset, nullptr);
      offset = (offset / _STM_CARD_BYTES + 1) * _STM_CARD_BYTES;
      if (offset >= end || !local->cards_)
        break;
    }
    return local->items() + first;
  }

  void reserve(std::size_t wanted) { reserve(body_, wanted); }

  // a == b and a < b for elements whose == and < are the program's: element
  // by element, each compared as a copy, with the sizes read again at every
  // step. The program's code may reach a safe point and move the thread to
  // another segment (outside atomic blocks), where an address read before
  // is not the element's any more.
  static bool equal(const vector_rep a, const vector_rep b) {
    for (std::size_t i = 0;; ++i) {
      const std::size_t n = a.size();
      if (n != b.size())
        return false;
      if (i >= n)
        return true;
      const T x = a.read()[i], y = b.read()[i];
      if (!(x == y))
        return false;
    }
  }
  static bool less(const vector_rep a, const vector_rep b) {
    for (std::size_t i = 0;; ++i) {
      if (i >= b.size())
        return false;
      if (i >= a.size())
        return true;
      const T x = a.read()[i], y = b.read()[i];
      if (x < y)
        return true;
      if (y < x)
        return false;
    }
  }

  // Grows to n elements, each new one a copy of fill, or truncates to n.
  void resize(std::size_t n, const T &fill) {
    vector_rep self = *this;
    const std::size_t had = self.size();
    if (n <= had)
      return self.truncate(n);
    const T value = fill; // fill may be an element, which the allocation may move
    reserve(self.body_, n);
    std::fill_n(self.write(had, n), n - had, value);
    self.set_size(n);
  }
  void truncate(std::size_t n) noexcept {
    const std::size_t had = size();
    if (n >= had)
      return;
    // Bounded by max_size() for g++, whose -Wstringop-overflow does not see
    // that had > n once inlined into push_back.
    const std::size_t dropped = std::min(had - n, max_size());
    std::memset(static_cast<void *>(write(n, had)), 0, dropped * sizeof(T));
    set_size(n);
  }

  void assign(vector_rep source) {
    vector_rep self = *this;
    if (self.same_as(source))
      return;
    const std::size_t n = source.size();
    self.truncate(n);
    reserve(self.body_, n);
    if (n != 0)
      std::memcpy(static_cast<void *>(self.write(0, n)), source.read(), n * sizeof(T));
    self.set_size(n);
  }
  // Takes the source's elements; the source is left empty.
  void take(vector_rep &source) noexcept {
    if (same_as(source))
      return;
    exchange(source, vector_rep());
  }
  void swap(vector_rep &other) noexcept {
    if (!same_as(other))
      exchange(other, other);
  }

  void set_size(std::size_t n) noexcept { wr(body_)->size_ = n; }

  using __stmify_traced_type = vector_rep;
  static void __stmify_trace(const void *self, stm_visit_fn visit, void *ctx) noexcept {
    visit(ctx, static_cast<const vector_rep *>(self)->body_);
  }

private:
  explicit vector_rep(body *made) noexcept : body_(made) {}

  static std::size_t capacity_of(const body *b) noexcept {
    const storage *items = rd(b)->storage_;
    return items ? read_immutable(items)->capacity_ : 0;
  }

  static void reserve(body *b, std::size_t wanted) {
    const std::size_t had = capacity_of(b);
    if (wanted <= had)
      return;
    std::size_t capacity = std::max({wanted, had * 2, std::size_t(4)});
    if (capacity > max_size())
      capacity = std::max(wanted, max_size());
    void *memory = allocate_array_memory<storage>(storage::bytes_for(capacity));
    storage *fresh = ::new (memory) storage(capacity);
    const vector_rep old(b);
    const std::size_t n = old.size();
    if (n != 0)
      std::memcpy(static_cast<void *>(loc(fresh)->items()), old.read(), n * sizeof(T));
    storage *made = finish_make(fresh);
    wr(b)->storage_ = made;
  }

  // This vector gets the other's elements, and the other those of `given`
  // (this vector's when they swap, none when this one takes).
  void exchange(vector_rep &other, const vector_rep &given) noexcept {
    body *mine = wr(body_);
    storage *items = mine->storage_;
    const std::size_t n = mine->size_;
    body *theirs = wr(other.body_);
    mine->storage_ = theirs->storage_;
    mine->size_ = theirs->size_;
    const bool swapping = given.body_ != nullptr;
    theirs->storage_ = swapping ? items : nullptr;
    theirs->size_ = swapping ? n : 0;
  }

  body *body_ = nullptr; // canonical
};

#else

// The fallback: a std::vector, reached through the same functions.
template <class T> class vector_rep {
public:
  static vector_rep make() { return vector_rep(); }
  static vector_rep copy_of(const vector_rep &source) { return source; }
  static vector_rep taken_from(vector_rep &source) {
    vector_rep made;
    made.take(source);
    return made;
  }
  vector_rep &local() noexcept { return *this; }
  static std::size_t max_size() noexcept { return std::vector<T>().max_size(); }

  std::size_t size() const noexcept { return items_.size(); }
  std::size_t capacity() const noexcept { return items_.capacity(); }
  bool same_as(const vector_rep &other) const noexcept { return this == &other; }
  const T *read() const noexcept { return items_.data(); }
  T *write(std::size_t first, std::size_t) noexcept { return items_.data() + first; }
  void reserve(std::size_t wanted) { items_.reserve(wanted); }
  void resize(std::size_t n, const T &fill) { items_.resize(n, fill); }
  void truncate(std::size_t n) noexcept {
    if (n < items_.size())
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(n), items_.end());
  }
  void assign(const vector_rep &source) { items_ = source.items_; }
  void take(vector_rep &source) noexcept {
    items_ = std::move(source.items_);
    source.items_.clear();
  }
  void swap(vector_rep &other) noexcept { items_.swap(other.items_); }

private:
  std::vector<T> items_;
};

#endif

// An iterator of stm::vector: the vector's representation and an index.
// Under the plugin it holds a copy of the representation (one reference),
// not the vector's address, which may be a field in the segment the thread
// leaves, and it finds the element again at every access, in the segment
// the thread is in then; a mutable iterator backs up the element's card when
// it is dereferenced. Random access, as std::vector's.
template <class T, bool Const> class vector_iterator {
#if defined(__STMIFY__)
  using handle = vector_rep<T>;
  static handle handle_of(const vector_rep<T> &items) noexcept { return items; }
  vector_rep<T> &rep() const noexcept { return items_; }
#else
  using handle = vector_rep<T> *;
  static handle handle_of(const vector_rep<T> &items) noexcept {
    return const_cast<vector_rep<T> *>(&items);
  }
  vector_rep<T> &rep() const noexcept { return *items_; }
#endif

public:
  using iterator_category = std::random_access_iterator_tag;
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using pointer = std::conditional_t<Const, const T *, T *>;
  using reference = std::conditional_t<Const, const T &, T &>;

  vector_iterator() noexcept = default;
  vector_iterator(const vector_rep<T> &items, std::size_t at) noexcept
      : items_(handle_of(items)), at_(at) {}
  // A mutable iterator converts to a constant one.
  template <bool C = Const, std::enable_if_t<C, int> = 0>
  vector_iterator(const vector_iterator<T, false> &other) noexcept
      : items_(other.items_), at_(other.at_) {}

  reference operator*() const noexcept { return *element(); }
  pointer operator->() const noexcept { return element(); }
  reference operator[](difference_type n) const noexcept { return *(*this + n); }

  vector_iterator &operator++() noexcept { return ++at_, *this; }
  vector_iterator operator++(int) noexcept {
    vector_iterator before = *this;
    ++at_;
    return before;
  }
  vector_iterator &operator--() noexcept { return --at_, *this; }
  vector_iterator operator--(int) noexcept {
    vector_iterator before = *this;
    --at_;
    return before;
  }
  vector_iterator &operator+=(difference_type n) noexcept {
    at_ = std::size_t(difference_type(at_) + n);
    return *this;
  }
  vector_iterator &operator-=(difference_type n) noexcept { return *this += -n; }
  friend vector_iterator operator+(vector_iterator it, difference_type n) noexcept {
    return it += n;
  }
  friend vector_iterator operator+(difference_type n, vector_iterator it) noexcept {
    return it += n;
  }
  friend vector_iterator operator-(vector_iterator it, difference_type n) noexcept {
    return it -= n;
  }
  friend difference_type operator-(const vector_iterator &a, const vector_iterator &b) noexcept {
    return difference_type(a.at_) - difference_type(b.at_);
  }
  friend bool operator==(const vector_iterator &a, const vector_iterator &b) noexcept {
    return a.at_ == b.at_;
  }
  friend bool operator!=(const vector_iterator &a, const vector_iterator &b) noexcept {
    return a.at_ != b.at_;
  }
  friend bool operator<(const vector_iterator &a, const vector_iterator &b) noexcept {
    return a.at_ < b.at_;
  }
  friend bool operator>(const vector_iterator &a, const vector_iterator &b) noexcept {
    return a.at_ > b.at_;
  }
  friend bool operator<=(const vector_iterator &a, const vector_iterator &b) noexcept {
    return a.at_ <= b.at_;
  }
  friend bool operator>=(const vector_iterator &a, const vector_iterator &b) noexcept {
    return a.at_ >= b.at_;
  }

  std::size_t index() const noexcept { return at_; }

private:
  template <class, bool> friend class vector_iterator;

  pointer element() const noexcept {
    if constexpr (Const)
      return rep().read() + at_;
    else
      return rep().write(at_, at_ + 1);
  }

  mutable handle items_{};
  std::size_t at_ = 0;
};

} // namespace detail

// The elements may be numbers, trivially copyable structs, pointers to
// managed objects and stm::string.
template <class T> class vector {
  static_assert(std::is_same_v<T, string> ||
                    (std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>),
                "stm::vector<T>: T must be a number, a trivially copyable struct, a pointer to a "
                "managed object or stm::string");
  static_assert(!is_managed_v<T>, "stm::vector<T>: managed objects cannot be stored by value; "
                                  "use stm::vector<T *>");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T>,
                "stm::vector<T>: T must not be const or volatile");

public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T &;
  using const_reference = const T &;
  using pointer = T *;
  using const_pointer = const T *;
  using iterator = detail::vector_iterator<T, false>;
  using const_iterator = detail::vector_iterator<T, true>;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  vector() : rep_(rep::make()) {}
  explicit vector(size_type n) : vector(n, T()) {}
  // Values are taken by copy where the std::vector takes a reference: one
  // may be an element of a vector, which an allocation may move (see
  // vector_rep).
  vector(size_type n, T value) : vector() { rep_.resize(n, value); }
  template <class Iterator, class = std::enable_if_t<!std::is_integral_v<Iterator>>>
  vector(Iterator first, Iterator last) : vector() {
    assign(first, last);
  }
  vector(std::initializer_list<T> items) : vector(items.begin(), items.end()) {}
  vector(const vector &other) : rep_(rep::copy_of(other.rep_)) {}
  vector(vector &&other) : rep_(rep::taken_from(other.rep_)) {}

  // Assignment copies the elements: the vector stays the one it was.
  vector &operator=(const vector &other) {
    rep_.assign(other.rep_);
    return *this;
  }
  vector &operator=(vector &&other) {
    rep_.take(other.rep_);
    return *this;
  }
  vector &operator=(std::initializer_list<T> items) {
    assign(items.begin(), items.end());
    return *this;
  }
  void assign(size_type n, T value) {
    auto &&items = rep_.local();
    items.truncate(0);
    items.resize(n, value);
  }
  template <class Iterator, class = std::enable_if_t<!std::is_integral_v<Iterator>>>
  void assign(Iterator first, Iterator last) {
    auto &&items = rep_.local();
    items.truncate(0);
    for (; first != last; ++first)
      append(items, *first);
  }
  void assign(std::initializer_list<T> items) { assign(items.begin(), items.end()); }

  size_type size() const noexcept { return rep_.size(); }
  bool empty() const noexcept { return size() == 0; }
  size_type capacity() const noexcept { return rep_.capacity(); }
  size_type max_size() const noexcept { return rep::max_size(); }
  void reserve(size_type n) {
    check_length(n, "stm::vector::reserve");
    rep_.reserve(n);
  }
  void shrink_to_fit() noexcept {}

  // Element access. A reference or pointer that can write backs the
  // element's card up first (see the user guide); the const overloads read.
  reference operator[](size_type i) noexcept { return *rep_.write(i, i + 1); }
  const_reference operator[](size_type i) const noexcept { return rep_.read()[i]; }
  reference at(size_type i) {
    check_index(i);
    return (*this)[i];
  }
  const_reference at(size_type i) const {
    check_index(i);
    return (*this)[i];
  }
  reference front() noexcept { return (*this)[0]; }
  const_reference front() const noexcept { return (*this)[0]; }
  reference back() noexcept { return (*this)[size() - 1]; }
  const_reference back() const noexcept { return (*this)[size() - 1]; }
  pointer data() noexcept { return empty() ? nullptr : rep_.write(0, size()); }
  const_pointer data() const noexcept { return rep_.read(); }

  iterator begin() noexcept { return iterator(rep_, 0); }
  iterator end() noexcept { return iterator(rep_, size()); }
  const_iterator begin() const noexcept { return const_iterator(rep_, 0); }
  const_iterator end() const noexcept { return const_iterator(rep_, size()); }
  const_iterator cbegin() const noexcept { return begin(); }
  const_iterator cend() const noexcept { return end(); }
  reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
  reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }
  const_reverse_iterator crbegin() const noexcept { return rbegin(); }
  const_reverse_iterator crend() const noexcept { return rend(); }

  // Modifiers. The values are taken by copy: one may be an element of this
  // vector, which growing moves.
  void push_back(T value) { append(rep_, value); }
  template <class... Args> reference emplace_back(Args &&...args) {
    auto &&items = rep_.local();
    const size_type at = append(items, T(std::forward<Args>(args)...));
    return *items.write(at, at + 1);
  }
  void pop_back() noexcept { rep_.truncate(size() - 1); }
  void clear() noexcept { rep_.truncate(0); }
  void resize(size_type n) { resize(n, T()); }
  void resize(size_type n, T value) {
    check_length(n, "stm::vector::resize");
    rep_.resize(n, value);
  }

  iterator insert(const_iterator position, T value) { return insert(position, 1, value); }
  iterator insert(const_iterator position, size_type count, T value) {
    auto &&items = rep_.local();
    const size_type at = position.index();
    if (count != 0) {
      open_gap(items, at, count, value);
      std::fill_n(items.write(at, at + count), count, value);
    }
    return iterator(items, at);
  }
  template <class Iterator, class = std::enable_if_t<!std::is_integral_v<Iterator>>>
  iterator insert(const_iterator position, Iterator first, Iterator last) {
    // The new elements are copied first: they may be this vector's.
    const std::vector<T> added(first, last);
    auto &&items = rep_.local();
    const size_type at = position.index();
    if (!added.empty()) {
      open_gap(items, at, added.size(), added.front());
      std::copy(added.begin(), added.end(), items.write(at, at + added.size()));
    }
    return iterator(items, at);
  }
  iterator insert(const_iterator position, std::initializer_list<T> items) {
    return insert(position, items.begin(), items.end());
  }
  template <class... Args> iterator emplace(const_iterator position, Args &&...args) {
    return insert(position, T(std::forward<Args>(args)...));
  }

  iterator erase(const_iterator position) { return erase(position, position + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const size_type from = first.index(), to = last.index(), n = size();
    if (from != to) {
      T *items = rep_.write(from, n);
      std::move(items + (to - from), items + (n - from), items);
      rep_.truncate(n - (to - from));
    }
    return iterator(rep_, from);
  }

  void swap(vector &other) noexcept { rep_.swap(other.rep_); }
  friend void swap(vector &a, vector &b) noexcept { a.swap(b); }

  friend bool operator==(const vector &a, const vector &b) {
#if defined(__STMIFY__)
    if constexpr (!detail::compared_by_library_v<T>)
      return rep::equal(a.rep_, b.rep_);
#endif
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const vector &a, const vector &b) { return !(a == b); }
  friend bool operator<(const vector &a, const vector &b) {
#if defined(__STMIFY__)
    if constexpr (!detail::compared_by_library_v<T>)
      return rep::less(a.rep_, b.rep_);
#endif
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator>(const vector &a, const vector &b) { return b < a; }
  friend bool operator<=(const vector &a, const vector &b) { return !(b < a); }
  friend bool operator>=(const vector &a, const vector &b) { return !(a < b); }

#if defined(__STMIFY__)
  using __stmify_traced_type = vector;
  static void __stmify_trace(const void *self, stm_visit_fn visit, void *ctx) noexcept {
    rep::__stmify_trace(&static_cast<const vector *>(self)->rep_, visit, ctx);
  }
#endif

private:
  using rep = detail::vector_rep<T>;

  void check_index(size_type i) const {
    if (i >= size())
      throw std::out_of_range("stm::vector::at: index out of range");
  }
  static void check_length(size_type n, const char *what) {
    if (n > rep::max_size())
      throw std::length_error(std::string(what) + ": more elements than the largest managed "
                                                  "object holds (STM_MAX_OBJECT_BYTES)");
  }
  // Adds value at the end; returns its index.
  static size_type append(rep &items, T value) {
    const size_type n = items.size();
    check_length(n + 1, "stm::vector::push_back");
    items.resize(n + 1, value);
    return n;
  }
  // Makes room for count (> 0) elements at `at`, moving the later ones up;
  // fill is what the new places hold until they are written.
  static void open_gap(rep &items, size_type at, size_type count, const T &fill) {
    const size_type n = items.size();
    check_length(n + count, "stm::vector::insert");
    items.resize(n + count, fill);
    if (at < n) {
      T *moved = items.write(at, n + count);
      std::move_backward(moved, moved + (n - at), moved + (n + count - at));
    }
  }

  rep rep_;
};

#if defined(__STMIFY__)
namespace detail {
// A range-for that reads a vector (by value, or by const reference, the
// transformer's elements_of): each element is copied when the loop reaches
// it, and nothing refers into the segment meanwhile.
template <class T> class vector_values {
public:
  class iterator {
  public:
    explicit iterator(vector_iterator<T, true> at) noexcept : at_(at) {}
    T operator*() const noexcept { return *at_; }
    iterator &operator++() noexcept {
      ++at_;
      return *this;
    }
    bool operator!=(const iterator &other) const noexcept { return at_ != other.at_; }

  private:
    vector_iterator<T, true> at_;
  };

  explicit vector_values(const vector<T> &items) noexcept
      : first_(items.begin()), last_(items.end()) {}
  iterator begin() const noexcept { return iterator(first_); }
  iterator end() const noexcept { return iterator(last_); }

private:
  vector_iterator<T, true> first_, last_;
};

template <class T> vector_values<T> elements_of(const vector<T> &items) noexcept {
  return vector_values<T>(items);
}

// An iterator whose element the program only reads (`x = *it`): the
// constant iterator, which does not back the element up for writing.
template <class T>
vector_iterator<T, true> read_only(const vector_iterator<T, false> &it) noexcept {
  return it;
}
template <class T> vector_iterator<T, true> read_only(vector_iterator<T, false> &it) noexcept {
  return it;
}
} // namespace detail
#endif

} // namespace stm

#endif // STMIFY_DETAIL_VECTOR_HPP
