// stm::string: a string with value semantics that a managed class may hold as
// a field. Under the plugin its characters are an immutable managed object,
// written once when the string is made and never after: the string itself is
// one managed reference, so assigning a field writes one word, and reading
// the characters needs no read marker, so sharing a string never conflicts.
// In the fallback it is a std::string.
#ifndef STMIFY_DETAIL_STRING_HPP
#define STMIFY_DETAIL_STRING_HPP

#ifndef STMIFY_STM_HPP
#error "include <stmify/stm.hpp>, not this file"
#endif

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <istream>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace stm {

namespace detail {

#if defined(__STMIFY__)

// The characters of a stm::string, NUL-terminated.
class string_body final : public object {
public:
  explicit string_body(std::size_t length) noexcept : length_(length) {}

  std::string_view view() const noexcept { return {chars(), length_}; }
  char *chars() noexcept { return reinterpret_cast<char *>(this) + sizeof(string_body); }
  const char *chars() const noexcept {
    return reinterpret_cast<const char *>(this) + sizeof(string_body);
  }

  using __stmify_traced_type = string_body;
  static constexpr bool __stmify_variable_size = true;
  static void __stmify_trace(const void *, stm_visit_fn, void *) noexcept {}

private:
  std::size_t length_;
};

// Registered when the program starts, not at the first string: a type's
// first use waits for the registry (a blocking call, which outside atomic
// blocks gives the segment up and ends the thread's transaction), and a
// string is often first made inside an assignment to a field, after the
// caller translated the field's address (`p->name = "Ada"`, and a
// std::optional<stm::string> field constructs its string in place there).
inline const stm_type_descriptor_t &string_body_type = descriptor<string_body>();

inline std::size_t max_string_length() noexcept {
  return STM_MAX_OBJECT_BYTES - sizeof(string_body) - 1;
}

// The empty string has no body.
struct string_rep {
  const string_body *body = nullptr; // canonical
};

// The characters are read in the calling thread's segment, where the body
// is the same as in every other: it never changes.
inline std::string_view string_view_of(const string_rep &rep) noexcept {
  return rep.body ? loc(rep.body)->view() : std::string_view("", 0);
}

// fill(chars) writes the `length` characters. It runs after the allocation,
// which may move the thread to another segment: a source in the managed heap
// must be looked up inside fill, not before.
template <class Fill> string_rep make_string_rep(std::size_t length, Fill fill) {
  if (length == 0)
    return {};
  if (length > max_string_length())
    throw std::length_error("stm::string: longer than the largest managed object "
                            "(STM_MAX_OBJECT_BYTES)");
  void *memory = allocate_array_memory<string_body>(sizeof(string_body) + length + 1);
  string_body *body = ::new (memory) string_body(length);
  char *chars = loc(body)->chars();
  fill(chars);
  chars[length] = '\0';
  return {finish_make(body)};
}

#else

using string_rep = std::string;

inline std::size_t max_string_length() noexcept { return std::string().max_size(); }

inline std::string_view string_view_of(const string_rep &rep) noexcept { return rep; }

template <class Fill> string_rep make_string_rep(std::size_t length, Fill fill) {
  std::string rep(length, '\0');
  fill(rep.data());
  return rep;
}

#endif

} // namespace detail

class string;

namespace detail {
// Text that a stm::string compares with and appends: a std::string, a
// std::string_view, a C string, a character array.
template <class S>
inline constexpr bool is_string_like_v =
    std::is_convertible_v<const S &, std::string_view> &&
    !std::is_same_v<std::remove_cv_t<std::remove_reference_t<S>>, string>;
template <class S> using if_string_like = std::enable_if_t<is_string_like_v<S>, int>;

// How the library takes a stm::string: by value under the plugin, where it is
// one reference, so that a field passed in is copied when the call begins
// and no reference into the thread's segment lives while another operand
// allocates (`a + " " + b` on two fields, outside atomic blocks); by
// reference in the fallback, where it is a std::string.
using string_arg = std::conditional_t<instrumented_build, string, const string &>;
} // namespace detail

class string {
public:
  using value_type = char;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using const_iterator = const char *;
  using iterator = const_iterator;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;
  using reverse_iterator = const_reverse_iterator;
  static constexpr size_type npos = std::string_view::npos;

  string() noexcept = default;
  string(const char *text) : string(std::string_view(text)) {}
  string(const char *text, size_type length) : string(std::string_view(text, length)) {}
  string(const std::string &text) : string(std::string_view(text)) {}
  string(std::string_view text) : rep_(copy_of(text)) {}
  template <class Iterator, class = std::enable_if_t<!std::is_integral_v<Iterator>>>
  string(Iterator first, Iterator last) : string(std::string(first, last)) {}
  string(detail::string_arg other, size_type pos, size_type count = npos)
      : string(other.substr(pos, count)) {}
  string(size_type count, char c)
      : rep_(detail::make_string_rep(count, [&](char *out) { std::memset(out, c, count); })) {}

  string &operator=(const char *text) { return *this = string(text); }
  string &operator=(const std::string &text) { return *this = string(text); }
  string &operator=(std::string_view text) { return *this = string(text); }

  size_type size() const noexcept { return view().size(); }
  size_type length() const noexcept { return size(); }
  bool empty() const noexcept { return size() == 0; }

  // The characters, NUL-terminated. Under the plugin they lie in the calling
  // thread's segment: use the pointer before the thread blocks or leaves an
  // atomic block (see the user guide), or copy the string into a std::string.
  const char *c_str() const noexcept { return view().data(); }
  const char *data() const noexcept { return c_str(); }
  std::string_view view() const noexcept { return detail::string_view_of(rep_); }
  operator std::string_view() const noexcept { return view(); }
  std::string str() const { return std::string(view()); }
  operator std::string() const { return str(); }

  // Characters are read by value: a string never changes in place.
  char operator[](size_type i) const noexcept { return view()[i]; }
  char at(size_type i) const {
    if (i >= size())
      throw std::out_of_range("stm::string::at: index out of range");
    return view()[i];
  }
  char front() const noexcept { return view().front(); }
  char back() const noexcept { return view().back(); }
  const_iterator begin() const noexcept { return c_str(); }
  const_iterator end() const noexcept { return c_str() + size(); }
  const_iterator cbegin() const noexcept { return begin(); }
  const_iterator cend() const noexcept { return end(); }
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }
  const_reverse_iterator crbegin() const noexcept { return rbegin(); }
  const_reverse_iterator crend() const noexcept { return rend(); }

  string substr(size_type pos = 0, size_type count = npos) const {
    if (pos > size())
      throw std::out_of_range("stm::string::substr: position out of range");
    if (pos == 0 && count >= size())
      return *this;
    const string source = *this;
    const size_type n = std::min(count, size() - pos);
    return string(detail::make_string_rep(
                      n, [&](char *out) { std::memcpy(out, source.view().data() + pos, n); }),
                  adopt{});
  }
  size_type find(std::string_view text, size_type pos = 0) const noexcept {
    return view().find(text, pos);
  }
  size_type find(char c, size_type pos = 0) const noexcept { return view().find(c, pos); }
  size_type rfind(std::string_view text, size_type pos = npos) const noexcept {
    return view().rfind(text, pos);
  }
  size_type rfind(char c, size_type pos = npos) const noexcept { return view().rfind(c, pos); }
  size_type find_first_of(std::string_view chars, size_type pos = 0) const noexcept {
    return view().find_first_of(chars, pos);
  }
  size_type find_last_of(std::string_view chars, size_type pos = npos) const noexcept {
    return view().find_last_of(chars, pos);
  }
  size_type find_first_not_of(std::string_view chars, size_type pos = 0) const noexcept {
    return view().find_first_not_of(chars, pos);
  }
  size_type find_last_not_of(std::string_view chars, size_type pos = npos) const noexcept {
    return view().find_last_not_of(chars, pos);
  }
  bool starts_with(std::string_view text) const noexcept {
    return view().substr(0, text.size()) == text;
  }
  bool starts_with(char c) const noexcept { return !empty() && front() == c; }
  bool ends_with(std::string_view text) const noexcept {
    return size() >= text.size() && view().substr(size() - text.size()) == text;
  }
  bool ends_with(char c) const noexcept { return !empty() && back() == c; }
  bool contains(std::string_view text) const noexcept { return find(text) != npos; }
  bool contains(char c) const noexcept { return find(c) != npos; }
  int compare(std::string_view text) const noexcept { return view().compare(text); }
  size_type max_size() const noexcept { return detail::max_string_length(); }

  string &operator+=(detail::string_arg tail) { return *this = joined(*this, tail); }
  template <class S, detail::if_string_like<S> = 0> string &operator+=(const S &tail) {
    return *this = joined(*this, string(std::string_view(tail)));
  }
  string &operator+=(char c) { return *this += std::string_view(&c, 1); }

  friend string operator+(detail::string_arg a, detail::string_arg b) { return joined(a, b); }
  template <class S, detail::if_string_like<S> = 0>
  friend string operator+(detail::string_arg a, const S &b) {
    return joined(a, string(std::string_view(b)));
  }
  template <class S, detail::if_string_like<S> = 0>
  friend string operator+(const S &a, detail::string_arg b) {
    return joined(string(std::string_view(a)), b);
  }
  friend string operator+(detail::string_arg a, char c) { return joined(a, string(1, c)); }
  friend string operator+(char c, detail::string_arg b) { return joined(string(1, c), b); }

  // Reads a word, as into a std::string.
  friend std::istream &operator>>(std::istream &in, string &s) {
#if defined(__STMIFY__)
    detail::inevitable_hook("input from a std::istream");
#endif
    std::string word;
    if (in >> word)
      s = word;
    return in;
  }

  friend std::ostream &operator<<(std::ostream &out, const string &s) {
#if defined(__STMIFY__)
    detail::inevitable_hook("output to a std::ostream");
#endif
    // A copy: the stream may block in a write, and the thread give its
    // segment up meanwhile.
    return out << s.str();
  }

#if defined(__STMIFY__)
  using __stmify_traced_type = string;
  static void __stmify_trace(const void *self, stm_visit_fn visit, void *ctx) noexcept {
    visit(ctx, static_cast<const string *>(self)->rep_.body);
  }
#endif

private:
  struct adopt {};
  string(detail::string_rep rep, adopt) noexcept : rep_(std::move(rep)) {}

  static detail::string_rep copy_of(std::string_view text) {
    return detail::make_string_rep(text.size(),
                                   [&](char *out) { std::memcpy(out, text.data(), text.size()); });
  }
  static string joined(const string &a, const string &b) {
    if (b.empty())
      return a;
    if (a.empty())
      return b;
    // Copies of the handles: a or b may be a field of a managed object, in
    // the segment the allocation may leave.
    const string head = a, tail = b;
    const size_type n = head.size(), m = tail.size();
    return string(detail::make_string_rep(n + m,
                                          [&](char *out) {
                                            std::memcpy(out, head.view().data(), n);
                                            std::memcpy(out + n, tail.view().data(), m);
                                          }),
                  adopt{});
  }

  detail::string_rep rep_;
};

// Comparisons with another stm::string and with any text (a std::string, a
// std::string_view, a C string), in both orders.
#define STMIFY_DETAIL_STRING_COMPARISON(op)                                                        \
  inline bool operator op(detail::string_arg a, detail::string_arg b) noexcept {                   \
    return a.view() op b.view();                                                                   \
  }                                                                                                \
  template <class S, detail::if_string_like<S> = 0>                                                \
  bool operator op(detail::string_arg a, const S &b) noexcept {                                    \
    return a.view() op std::string_view(b);                                                        \
  }                                                                                                \
  template <class S, detail::if_string_like<S> = 0>                                                \
  bool operator op(const S &a, detail::string_arg b) noexcept {                                    \
    return std::string_view(a) op b.view();                                                        \
  }
STMIFY_DETAIL_STRING_COMPARISON(==)
STMIFY_DETAIL_STRING_COMPARISON(!=)
STMIFY_DETAIL_STRING_COMPARISON(<)
STMIFY_DETAIL_STRING_COMPARISON(<=)
STMIFY_DETAIL_STRING_COMPARISON(>)
STMIFY_DETAIL_STRING_COMPARISON(>=)
#undef STMIFY_DETAIL_STRING_COMPARISON

} // namespace stm

// The hash of the characters: the same as std::hash<std::string> of a
// std::string holding them.
namespace std {
template <> struct hash<stm::string> {
  std::size_t operator()(const stm::string &s) const noexcept {
    return std::hash<std::string_view>{}(s.view());
  }
};
} // namespace std

#endif // STMIFY_DETAIL_STRING_HPP
