// The transactional build of the stmify API (the plugin defines __STMIFY__).
// Besides the user API, this file holds what the transformer's output calls:
// stm::rd / stm::wr / stm::loc / stm::canon and the stm::detail functions
// that passes/Names.h lists. stm::detail::ambient_boundary and
// stm::detail::blocking are not emitted (the runtime sees blocking and thread
// starts in the C library); the runtime's tests use them.
#ifndef STMIFY_DETAIL_INSTRUMENTED_HPP
#define STMIFY_DETAIL_INSTRUMENTED_HPP

#ifndef STMIFY_STM_HPP
#error "include <stmify/stm.hpp>, not this file"
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <stmify/detail/task.hpp>
#include <stmify/stm.h>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace stm {

class object;

namespace detail {

inline constexpr bool instrumented_build = true;

// Thrown to abort the running attempt of an atomic block; stm::atomic catches
// it and runs the block again. Deliberately not a std::exception.
struct abort_signal {};

template <class T>
inline constexpr bool managed_type = std::is_base_of_v<object, std::remove_cv_t<T>>;

struct access;

[[noreturn]] void fatal(const char *message) noexcept;

} // namespace detail

// Base of every managed class. It holds the object's header; copying or
// assigning a managed object never copies the header.
class object : public detail::allocated_by_make {
public:
  object() noexcept {}
  object(const object &) noexcept {}
  object &operator=(const object &) noexcept { return *this; }

private:
  friend struct detail::access;
  stm_object_t stm_header_;
};

namespace detail {

struct access {
  static stm_object_t &header(object &o) noexcept { return o.stm_header_; }
  static const stm_object_t &header(const object &o) noexcept { return o.stm_header_; }
  template <class A> static bool cards(const A &array) noexcept { return array.cards_; }
};

// Offset of the header inside a T (a compile-time constant once inlined).
template <class T> inline std::uintptr_t header_delta(const T *p) noexcept {
  return reinterpret_cast<std::uintptr_t>(&access::header(*p)) -
         reinterpret_cast<std::uintptr_t>(p);
}

} // namespace detail

// ---------------------------------------------------------------- barriers
// For non-managed T these are the identity, so the transformer may wrap any
// dependent expression in a template.

// Translation only: the reference in the calling thread's segment. It
// becomes `this` of the methods called through it, where the vptr is read
// without a barrier (it never changes), also after the method began other
// transactions: so it is the segment's own window, not a sanitizer's view.
template <class T> inline T *loc(T *p) noexcept {
  if constexpr (detail::managed_type<T>)
    return static_cast<T *>(_stm_translate(p));
  else
    return p;
}

// Read barrier: translation plus the read marker.
template <class T> inline T *rd(T *p) noexcept {
  if constexpr (detail::managed_type<T>) {
    const std::uintptr_t off = _stm_offset(p);
    T *local = static_cast<T *>(_stm_read_view(off));
    _stm_mark_read(off + detail::header_delta(local));
    return local;
  } else {
    return p;
  }
}

// A read barrier that names its site, built with -fplugin-arg-stmify-read-sites:
// the first read of an object in a transaction tells the runtime where it
// was, so that a conflict report names the read of a write-read conflict.
template <class T> inline T *rd(T *p, const char *site) noexcept {
  if constexpr (detail::managed_type<T>) {
    const std::uintptr_t off = _stm_offset(p);
    T *local = static_cast<T *>(_stm_read_view(off));
    _stm_mark_read_at(off + detail::header_delta(local), site);
    return local;
  } else {
    (void)site;
    return p;
  }
}

// Write barrier: required before modifying *p; site names the source location
// for conflict reports.
template <class T> inline T *wr(T *p, const char *site = nullptr) noexcept {
  if constexpr (detail::managed_type<T>) {
    T *local = static_cast<T *>(_stm_write_view(_stm_offset(p)));
    stm_object_t &header = detail::access::header(const_cast<std::remove_cv_t<T> &>(*local));
    if (_stm_needs_backup(&header))
      _stm_write_slowpath(&header, site);
    return local;
  } else {
    (void)site;
    return p;
  }
}

template <class T> inline T &loc(T &r) noexcept { return *loc(std::addressof(r)); }
template <class T> inline T &rd(T &r) noexcept { return *rd(std::addressof(r)); }
template <class T> inline T &rd(T &r, const char *site) noexcept {
  return *rd(std::addressof(r), site);
}
template <class T> inline T &wr(T &r, const char *site = nullptr) noexcept {
  return *wr(std::addressof(r), site);
}

// A temporary (the result of a call in a template, std::move(x)) is never a
// managed object: passed on as it is.
namespace detail {
template <class T>
using if_temporary = std::enable_if_t<!std::is_reference_v<T> && !std::is_pointer_v<T>, T &&>;
}
template <class T> inline detail::if_temporary<T> loc(T &&r) noexcept { return std::move(r); }
template <class T> inline detail::if_temporary<T> rd(T &&r) noexcept { return std::move(r); }
template <class T> inline detail::if_temporary<T> rd(T &&r, const char *) noexcept {
  return std::move(r);
}
template <class T> inline detail::if_temporary<T> wr(T &&r, const char *site = nullptr) noexcept {
  (void)site;
  return std::move(r);
}

namespace detail {
// Where the running transaction already holds what a barrier gives (the
// transformer's rules: docs/architecture.md §12, "Barriers left out"):
// read_again where the object was read or written before in the same
// transaction, write_again where it was written and nothing published
// since. Both only translate, into the views stm::rd and stm::wr return.
template <class T> inline T *read_again(T *p) noexcept {
  if constexpr (managed_type<T>) {
    T *local = static_cast<T *>(_stm_read_view(_stm_offset(p)));
#ifdef STMIFY_SANITIZE
    _stm_check_kept_permission(&access::header(*loc(p)), 0);
#endif
    return local;
  } else {
    return p;
  }
}
template <class T> inline T *write_again(T *p) noexcept {
  if constexpr (managed_type<T>) {
    T *local = static_cast<T *>(_stm_write_view(_stm_offset(p)));
#ifdef STMIFY_SANITIZE
    _stm_check_kept_permission(&access::header(*loc(p)), 1);
#endif
    return local;
  } else {
    return p;
  }
}
template <class T> inline T &read_again(T &r) noexcept { return *read_again(std::addressof(r)); }
template <class T> inline T &write_again(T &r) noexcept { return *write_again(std::addressof(r)); }
template <class T> inline if_temporary<T> read_again(T &&r) noexcept { return std::move(r); }
template <class T> inline if_temporary<T> write_again(T &&r) noexcept { return std::move(r); }
} // namespace detail

namespace detail {
// The operand of typeid: only its vptr is read, which never changes, so a
// translation without read marker suffices; pure, so that clang does not
// warn about side effects in a typeid operand.
template <class T> [[gnu::pure]] inline T &vptr_view(T &object) noexcept { return loc(object); }
} // namespace detail

// The canonical form of a managed reference: what is stored and compared.
template <class T> inline T *canon(T *p) noexcept {
  if constexpr (detail::managed_type<T>)
    return static_cast<T *>(stm_canonical(p));
  else
    return p;
}

// ------------------------------------------------------------ user API

namespace detail {
// The canonical address of the object's header: the same through any pointer
// to the object or to one of its managed bases.
template <class T> const void *identity(const T *p) noexcept {
  return canon(static_cast<const object *>(p));
}
} // namespace detail

inline bool is_atomic() noexcept { return _stm_tls.atomic_depth > 0; }
inline bool is_inevitable() noexcept { return stm_is_inevitable() != 0; }

// Makes the running atomic block inevitable; outside atomic blocks it does
// nothing (that code is never rolled back). If the block has already lost a
// conflict, this aborts it (it will run again).
inline void become_inevitable(const char *reason) {
  if (_stm_tls.atomic_depth == 0)
    return;
  if (stm_become_inevitable(reason) == 0 || std::uncaught_exceptions() > 0)
    return;
  if (_stm_tls.nothrow_depth != 0)
    detail::fatal("stm::become_inevitable: the transaction lost a conflict and "
                  "cannot abort inside a noexcept function or a destructor");
  throw detail::abort_signal{};
}

inline void hint_commit_soon() noexcept { stm_hint_commit_soon(); }

// Collects garbage now; every thread stops at its next safe point meanwhile.
inline void collect() noexcept { stm_collect(); }

inline statistics stats() noexcept {
  stm_statistics_t raw;
  stm_get_statistics(&raw);
  statistics s;
  s.commits = raw.commits;
  s.aborts = raw.aborts;
  s.inevitable = raw.inevitable;
  s.ambient_commits = raw.ambient_commits;
  s.collections = raw.collections;
  s.gc_pause_ns = raw.gc_pause_ns;
  s.gc_max_pause_ns = raw.gc_max_pause_ns;
  s.live_bytes = raw.live_bytes;
  s.peak_resident_bytes = raw.peak_resident_bytes;
  return s;
}

inline const char *heap_exhausted::what() const noexcept { return stm_heap_exhausted_message(); }
inline unsigned segment_limit() noexcept { return stm_segment_limit(); }
inline unsigned long long count() noexcept { return stm_count(); }

// ------------------------------------------------ hooks the transformer emits
namespace detail {

// Can an abort be thrown here? Not while an exception is in flight, nor
// inside a noexcept function or destructor, or anything they call (an abort
// leaving them would terminate the program).
inline bool may_throw_abort() noexcept {
  return _stm_tls.nothrow_depth == 0 && std::uncaught_exceptions() == 0;
}

inline void safe_point() {
  if (_stm_safe_point_due())
    if (_stm_safe_point_slowpath(1) != 0 && may_throw_abort())
      throw abort_signal{};
}

// In loops of an atomic block's or a task's own body, which only ever runs
// inside an atomic transaction: there the slow path validates, dooms or
// parks the thread for a collection, but never moves it to another segment
// nor changes its read version. Told so, the optimiser keeps the segment
// base, the mask and the read version in registers across the call instead
// of reloading them after it, and loop-invariant translations out of the
// loop (docs/architecture.md, "Registers across slow paths"). The barrier
// sanitizer's build checks instead.
inline void safe_point_in_block() {
  if (_stm_safe_point_due()) {
    // Locals, not a struct returned by a function: through its memory the
    // optimiser lost the match with the values the loop keeps.
    const _stm_segment_word_t base = _stm_tls.segment_base;
    const _stm_segment_word_t mask = _stm_tls.offset_mask;
    const _stm_read_version_t version = _stm_tls.read_version;
    if (_stm_safe_point_slowpath(1) != 0 && may_throw_abort())
      throw abort_signal{};
#ifdef STMIFY_SANITIZE
    if (_stm_tls.segment_base != base || _stm_tls.offset_mask != mask ||
        _stm_tls.read_version != version)
      fatal("a safe point inside an atomic block changed the thread's segment view");
#elif defined(__clang__)
    // Three facts: LLVM's value numbering uses an assumed equality, not a
    // conjunction of them.
    __builtin_assume(_stm_tls.segment_base == base);
    __builtin_assume(_stm_tls.offset_mask == mask);
    __builtin_assume(_stm_tls.read_version == version);
#else
    if (_stm_tls.segment_base != base || _stm_tls.offset_mask != mask ||
        _stm_tls.read_version != version)
      __builtin_unreachable();
#endif
  }
}

// In loops of noexcept functions and destructors: a lost conflict is acted on
// at the next point that may throw.
inline void safe_point_nothrow() noexcept {
  if (_stm_safe_point_due())
    (void)_stm_safe_point_slowpath(0);
}

// At the entry of a function a thread may begin in that has no safe point
// there (it neither calls nor loops): attaches a thread that is not attached
// yet, and nothing else. It never moves an attached thread to another
// segment nor throws, so the function still reaches no safe point for a
// caller that holds a reference into its segment across the call.
inline void attach_if_unattached() noexcept {
  if (__builtin_expect(static_cast<std::uintptr_t>(_stm_tls.segment_base) == 0, 0))
    (void)_stm_safe_point_slowpath(0);
}

// At the entry of a noexcept function or destructor that calls or loops: a
// safe point, and for the function's duration no safe point below it
// throws an abort (functions it calls may not be noexcept themselves).
class nothrow_scope {
public:
  nothrow_scope() noexcept {
    ++_stm_tls.nothrow_depth;
    safe_point_nothrow();
  }
  ~nothrow_scope() { --_stm_tls.nothrow_depth; }
  nothrow_scope(const nothrow_scope &) = delete;
  nothrow_scope &operator=(const nothrow_scope &) = delete;
};

[[noreturn]] void refuse_irrevocable(const char *why, const char *what) noexcept;

// Before a call or write the runtime cannot undo. may_throw is false inside
// noexcept functions, where an abort cannot propagate. An attempt that lost
// a conflict and cannot abort here (it is unwinding already, or inside a
// noexcept function) must not do it either: the block runs again and would
// repeat it, so the program stops, naming it.
inline void inevitable_hook(const char *what, bool may_throw = true) {
  if (_stm_tls.atomic_depth == 0)
    return;
  if (stm_become_inevitable(what) == 0)
    return;
  if (std::uncaught_exceptions() > 0)
    refuse_irrevocable("a transaction that lost a conflict is unwinding and reached", what);
  if (!may_throw || _stm_tls.nothrow_depth != 0)
    refuse_irrevocable(
        "a transaction that lost a conflict reached, inside a noexcept function or a destructor,",
        what);
  throw abort_signal{};
}

inline void refuse_irrevocable(const char *why, const char *what) noexcept {
  char message[512];
  std::snprintf(message, sizeof message,
                "%s the %s, which it cannot undo and would repeat when the block runs "
                "again; make the block inevitable before it (stm::become_inevitable), or "
                "move the action out of the destructor or noexcept function",
                why, what);
  fatal(message);
}

// Before and after a statement that calls code which may block, outside atomic
// blocks: publishes what the thread wrote and refreshes its snapshot.
inline void ambient_boundary(const char *what) noexcept {
  if (_stm_tls.atomic_depth == 0)
    _stm_ambient_boundary(what);
}

// A call that may block (join, sleep, lock, read...). Outside atomic blocks
// the runtime sees the blocking itself (it intercepts the C library's
// blocking functions, after the arguments are evaluated); inside, the
// transaction becomes inevitable first, since such calls cannot be undone.
template <class F> decltype(auto) blocking(const char *what, F &&call) {
  if (_stm_tls.atomic_depth != 0)
    inevitable_hook(what);
  return std::forward<F>(call)();
}

// A synchronising operation the runtime cannot see, on std::atomic and the
// like: outside atomic blocks it is a release edge (the thread publishes what
// it wrote before it) and an acquire edge (the thread refreshes its view
// after it). Inside atomic blocks the transaction becomes inevitable first.
// may_throw is false inside noexcept functions (see inevitable_hook).
template <class F> decltype(auto) synchronizing(const char *what, bool may_throw, F &&call) {
  if (_stm_tls.atomic_depth != 0) {
    inevitable_hook(what, may_throw);
    return std::forward<F>(call)();
  }
  struct acquire_after {
    const char *what;
    ~acquire_after() { _stm_acquire_edge(what); }
  };
  _stm_release_edge(what);
  acquire_after edge{what};
  return std::forward<F>(call)();
}
template <class F> decltype(auto) synchronizing(const char *what, F &&call) {
  return synchronizing(what, true, std::forward<F>(call));
}

// What an atomic's implicit conversion reads (`while (!ready)`): std::atomic
// and std::atomic_ref convert to their value_type. Spelled this way, the
// transformer never has to name the type.
template <class Atomic> typename Atomic::value_type converted_value(const Atomic &atomic) noexcept {
  return atomic;
}

// At the start of every catch (...) handler: an abort of the running
// transaction is not the program's to swallow.
inline void rethrow_if_abort() {
  try {
    throw;
  } catch (const abort_signal &) {
    throw;
  } catch (...) {
  }
}

// The range of a loop that reads the elements of an array field of a managed
// object (a C array or std::array): each element is read through the
// calling thread's segment when the loop reaches it, so no reference into
// one segment outlives a safe point, and nothing is copied up front (such a
// field may be megabytes). The object was read-marked when the range was
// made; elements are returned by value.
template <class T> class field_elements {
public:
  field_elements(const T *first, std::size_t count) noexcept
      : first_(_stm_canonical_base | (reinterpret_cast<std::uintptr_t>(first) & _stm_segment_mask)),
        count_(count) {}

  class iterator {
  public:
    explicit iterator(std::uintptr_t at) noexcept : at_(at) {}
    T operator*() const noexcept {
      return *static_cast<const T *>(
          _stm_read_view(at_ & static_cast<std::uintptr_t>(_stm_tls.offset_mask)));
    }
    iterator &operator++() noexcept {
      at_ += sizeof(T);
      return *this;
    }
    bool operator!=(const iterator &other) const noexcept { return at_ != other.at_; }

  private:
    std::uintptr_t at_;
  };

  iterator begin() const noexcept { return iterator(first_); }
  iterator end() const noexcept { return iterator(first_ + count_ * sizeof(T)); }

private:
  std::uintptr_t first_;
  std::size_t count_;
};

// The barriers of an element of an array field whose index the program
// computes after the object's reference (`p->data[f()]`, where f may reach a
// safe point and move the thread to another segment): taken on the element's
// address, once the index is known, in the segment the thread is in then.
template <class T> T *read_element(T *element) noexcept {
  _stm_mark_read(_stm_header_containing(element));
  return static_cast<T *>(_stm_read_view(_stm_offset(element)));
}
template <class T> T *read_element(T *element, const char *site) noexcept {
  _stm_mark_read_at(_stm_header_containing(element), site);
  return static_cast<T *>(_stm_read_view(_stm_offset(element)));
}
template <class T> T *write_element(T *element, const char *site) noexcept {
  auto *header = static_cast<stm_object_t *>(_stm_write_view(_stm_header_containing(element)));
  if (_stm_needs_backup(header))
    _stm_write_slowpath(header, site);
  return static_cast<T *>(_stm_write_view(_stm_offset(element)));
}

template <class T, std::size_t N>
field_elements<std::remove_cv_t<T>> elements_of(const T (&elements)[N]) noexcept {
  return {elements, N};
}
template <class T, std::size_t N>
field_elements<T> elements_of(const std::array<T, N> &elements) noexcept {
  return {elements.data(), N};
}
// Any other range held by value in the object: a copy.
template <class T> std::remove_cv_t<T> elements_of(const T &value) { return value; }

// A container whose element the program only reads (`x = v[i]` on a vector
// that is not const): its const accessor, which does not back the element
// up for writing.
template <class T> const T &read_only(T &container) noexcept { return container; }

// Saves a local that an atomic block writes, so that an abort restores it.
template <class T> inline void preserve(T &local) noexcept {
  static_assert(std::is_trivially_copyable_v<T>,
                "stmify: an atomic block writes a local of a type that is not "
                "trivially copyable; it cannot be restored after an abort");
  if (_stm_tls.atomic_depth != 0 && !_stm_preserve_quickly(std::addressof(local), sizeof(T)))
    _stm_preserve(std::addressof(local), sizeof(T));
}

// A block given as a function object whose call operator is not const (one
// that counts its calls, a mutable lambda) changes that object as it runs:
// it is saved as the block's outer locals are, so that an abort puts it back.
// One a byte copy cannot restore (it holds a std::string, a std::atomic, a
// mutex) makes the block inevitable instead. A managed object's own writes
// have barriers; a std::reference_wrapper is the object it refers to.
template <class F> struct is_reference_wrapper : std::false_type {};
template <class T> struct is_reference_wrapper<std::reference_wrapper<T>> : std::true_type {};

// Args: the lvalue arguments it is called with (a queued task's bound ones).
template <class... Args, class F> inline void preserve_block_object(F &f) {
  if constexpr (is_reference_wrapper<std::remove_cv_t<F>>::value) {
    preserve_block_object<Args...>(f.get());
  } else if constexpr (std::is_class_v<F> && !managed_type<F> &&
                       !std::is_invocable_v<const F &, Args &...>) {
    if constexpr (std::is_trivially_copyable_v<F> && std::is_copy_constructible_v<F> &&
                  std::is_copy_assignable_v<F>)
      preserve(f);
    else
      inevitable_hook("block or task given as a function object that a byte copy cannot "
                      "restore");
  }
}

// A queued task's function object lives in the queue's memory, where
// neither barriers nor the block's saved locals reach: it is saved at the
// start of each attempt as a block's function object is. Its bound
// arguments need nothing: the task's writes through a reference parameter,
// or to what a std::ref argument refers to, are writes outside the
// transaction, which the transformer makes inevitable first (restoring
// such memory would undo what other tasks wrote there meanwhile).
template <class F, class... Args> struct task_attempt<F, std::tuple<Args...>> {
  static void begin(F &fn) { preserve_block_object<Args...>(fn); }
};

// ------------------------------------------------------------- tracing

template <class T, class = void> struct has_own_trace : std::false_type {};
template <class T>
struct has_own_trace<T, std::void_t<typename T::__stmify_traced_type>>
    : std::is_same<typename T::__stmify_traced_type, T> {};

template <class T> inline void trace_value(const T &value, stm_visit_fn visit, void *ctx) noexcept;

template <class A, class B>
inline void trace_value(const std::pair<A, B> &p, stm_visit_fn visit, void *ctx) noexcept {
  trace_value(p.first, visit, ctx);
  trace_value(p.second, visit, ctx);
}
template <class T, std::size_t N>
inline void trace_value(const std::array<T, N> &a, stm_visit_fn visit, void *ctx) noexcept {
  for (const T &e : a)
    trace_value(e, visit, ctx);
}
template <class... Ts>
inline void trace_value(const std::tuple<Ts...> &t, stm_visit_fn visit, void *ctx) noexcept {
  std::apply([&](const Ts &...e) { (trace_value(e, visit, ctx), ...); }, t);
}
template <class T>
inline void trace_value(const std::optional<T> &o, stm_visit_fn visit, void *ctx) noexcept {
  if (o.has_value())
    trace_value(*o, visit, ctx);
}
template <class... Ts>
inline void trace_value(const std::variant<Ts...> &v, stm_visit_fn visit, void *ctx) noexcept {
  if (!v.valueless_by_exception())
    std::visit([&](const auto &e) { trace_value(e, visit, ctx); }, v);
}

// Visits every managed reference that value holds (generated trace functions
// call this for each field).
template <class T> inline void trace_value(const T &value, stm_visit_fn visit, void *ctx) noexcept {
  if constexpr (std::is_pointer_v<T>) {
    if constexpr (managed_type<std::remove_pointer_t<T>>)
      visit(ctx, static_cast<const void *>(value));
  } else if constexpr (std::is_array_v<T>) {
    for (const auto &e : value)
      trace_value(e, visit, ctx);
  } else if constexpr (has_own_trace<T>::value) {
    T::__stmify_trace(std::addressof(value), visit, ctx);
  }
}

// --------------------------------------------------------- type descriptors

template <class T> const char *type_name() noexcept { return __PRETTY_FUNCTION__; }

template <class T, class = void> struct variable_size : std::false_type {};
template <class T>
struct variable_size<T, std::void_t<decltype(T::__stmify_variable_size)>>
    : std::bool_constant<T::__stmify_variable_size> {};

// Never defined: a managed class whose file was not compiled with stmify has
// no trace function, and the link fails naming the class.
template <class T>
void this_managed_class_was_not_compiled_with_stmify(const void *, stm_visit_fn, void *) noexcept;

// Not a static_assert: the transformer's own parse, before it adds the trace
// functions (and a preprocessed file made for it), must compile too.
template <class T> constexpr stm_trace_fn trace_function() noexcept {
  if constexpr (has_own_trace<T>::value)
    return &T::__stmify_trace;
  else
    return &this_managed_class_was_not_compiled_with_stmify<T>;
}

template <class T> struct registered_type {
  stm_type_descriptor_t descriptor;
  registered_type() noexcept {
    static_assert(alignof(T) <= 16384, "stmify: managed objects are aligned to at most 16 KiB");
    alignas(T) unsigned char probe[sizeof(T)];
    descriptor.name = type_name<T>();
    descriptor.size = variable_size<T>::value ? 0 : sizeof(T);
    descriptor.align = alignof(T);
    descriptor.header_offset = header_delta(reinterpret_cast<const T *>(probe));
    descriptor.trace = trace_function<T>();
    descriptor.tid = 0;
    stm_register_type(&descriptor);
  }
};

template <class T> inline const stm_type_descriptor_t &descriptor() noexcept {
  static registered_type<T> registered;
  return registered.descriptor;
}

// Value-initialisation may have zeroed the header: the id, set again once the
// constructor has run, marks the object complete. The constructor may have
// left its thread in another segment than the one `object` points into.
template <class T> T *finish_make(T *object) noexcept {
  stm_object_t &header = access::header(*loc(object));
  header.stm_tid = descriptor<T>().tid;
  header.stm_flags &= ~_STM_GCFLAG_CONSTRUCTING;
  return canon(object);
}

// An argument bound to a field of a managed object (`stm::make<Link>(v,
// list->head)`) is a reference into the segment the caller was in; the
// allocation may publish (a new view under the barrier sanitizer) or, at a
// type's first use, wait for another thread and continue in another segment.
// The constructor gets the same reference, in the segment the thread is in.
template <class A> A &&in_current_segment(A &&argument) noexcept {
  if constexpr (std::is_lvalue_reference_v<A>) {
    const void *address = std::addressof(argument);
    if (reinterpret_cast<std::uintptr_t>(address) - _stm_canonical_base < _stm_reservation_size)
      return *static_cast<std::remove_reference_t<A> *>(_stm_translate(address));
  }
  return static_cast<A &&>(argument);
}

template <class T, class... Args> T *make_object(Args &&...args) {
  const stm_type_descriptor_t &type = descriptor<T>();
  void *memory = stm_allocate(&type);
  if (!memory)
    throw heap_exhausted();
  reinterpret_cast<stm_object_t *>(static_cast<char *>(memory) + type.header_offset)->stm_flags |=
      _STM_GCFLAG_CONSTRUCTING;
  T *object;
  // While it runs, its thread keeps its segment at safe points, and takes the
  // same one back after a blocking call: the code the compiler generates for
  // member initialisers, bases and vptrs writes through `this`, a reference
  // into that segment.
  ++_stm_tls.constructing_depth;
  try {
    object = ::new (memory) T(in_current_segment(std::forward<Args>(args))...);
  } catch (...) {
    --_stm_tls.constructing_depth;
    _stm_free_unpublished(memory);
    throw;
  }
  --_stm_tls.constructing_depth;
  return finish_make(object);
}

// ----------------------------------------------------------- stm::array

template <class T> const T *read_immutable(const T *p) noexcept { return loc(p); }
template <class T> const T *read_object(const T *p) noexcept { return rd(p); }
template <class T> const T *read_object(const T *p, const char *site) noexcept {
  return rd(p, site);
}

// The write barrier of one element: per card for long arrays.
template <class A> A *write_array_item(A *p, std::size_t offset, const char *site) noexcept {
  A *local = static_cast<A *>(_stm_write_view(_stm_offset(p)));
  stm_object_t &header = access::header(*local);
  if (_stm_needs_backup(&header)) {
    if (!access::cards(*local))
      _stm_write_slowpath(&header, site);
    else if (*_stm_card_flag(local, offset) == 0)
      _stm_write_card_slowpath(&header, offset, site);
  }
  return local;
}

template <class A> void *allocate_array_memory(std::size_t bytes) {
  if (bytes > STM_MAX_OBJECT_BYTES)
    throw std::length_error("stm::make_array: the array would take more bytes than the "
                            "largest managed object (STM_MAX_OBJECT_BYTES)");
  void *memory = stm_allocate_sized(&descriptor<A>(), bytes);
  if (!memory)
    throw heap_exhausted();
  return memory;
}

inline bool tracks_cards(std::size_t bytes) noexcept { return bytes > _STM_CARD_MIN_OBJECT; }

template <class T> T canonical(T value) noexcept {
  if constexpr (std::is_pointer_v<T>)
    return canon(value);
  else
    return value;
}

// ------------------------------------------------------------ atomic blocks

class nesting_scope {
public:
  nesting_scope() noexcept { ++_stm_tls.atomic_depth; }
  ~nesting_scope() { --_stm_tls.atomic_depth; }
  nesting_scope(const nesting_scope &) = delete;
  nesting_scope &operator=(const nesting_scope &) = delete;
};

enum class on_exception { commit, roll_back };

// The outermost transaction: attempts f until one commits. An exception that
// leaves f either commits the block's effects (stm::atomic) or rolls them back
// (stm::atomic_cancel) before it propagates; if the attempt lost a conflict,
// the block runs again instead.
template <on_exception policy, class F> decltype(auto) run_outermost(F &f, const char *site) {
  using R = decltype(f());
  for (;;) {
    if (!_stm_begin_quickly(site))
      _stm_atomic_begin(site);
    std::exception_ptr user_exception;
    try {
      preserve_block_object(f);
      if constexpr (std::is_void_v<R>) {
        f();
        if (_stm_commit_quickly() || _stm_atomic_commit())
          return;
        continue;
      } else if constexpr (std::is_reference_v<R>) {
        R result = f();
        if (_stm_commit_quickly() || _stm_atomic_commit())
          return static_cast<R>(result);
        continue;
      } else {
        R result = f();
        if (_stm_commit_quickly() || _stm_atomic_commit())
          return result;
        continue;
      }
    } catch (const abort_signal &) {
      _stm_atomic_rollback();
      continue;
    } catch (...) {
      user_exception = std::current_exception();
    }
    if constexpr (policy == on_exception::commit) {
      if (_stm_atomic_commit())
        std::rethrow_exception(user_exception);
    } else {
      if (stm_is_inevitable())
        fatal("stm::atomic_cancel: the block threw after it became "
              "inevitable; its effects cannot be rolled back");
      _stm_atomic_cancel();
      std::rethrow_exception(user_exception);
    }
  }
}

template <class F> decltype(auto) run_atomic(F &&f, const char *site = nullptr) {
  if (_stm_tls.atomic_depth > 0) {
    nesting_scope nested;
    preserve_block_object(f);
    return f();
  }
  return run_outermost<on_exception::commit>(f, site);
}

template <class F> decltype(auto) run_atomic_cancel(F &&f, const char *site) {
  if (_stm_tls.atomic_depth > 0)
    throw nesting_error("stm::atomic_cancel cannot run inside another atomic block");
  return run_outermost<on_exception::roll_back>(f, site);
}

// ------------------------------------------------------- end handlers

// A handler of stm::on_commit or stm::on_abort. The runtime calls one of its
// functions at either end of the transaction: `run` at the end it waits for,
// `discard` at the other; both delete it.
template <class Fn> struct end_handler {
  Fn fn;
  static void run(void *self) noexcept {
    std::unique_ptr<end_handler> handler(static_cast<end_handler *>(self));
    handler->fn();
  }
  static void discard(void *self) noexcept { delete static_cast<end_handler *>(self); }
};

template <class F> void add_end_handler(F &&f, transaction_end when) {
  if (_stm_tls.atomic_depth == 0) {
    if (when == transaction_end::commit)
      std::forward<F>(f)();
    return;
  }
  using handler = end_handler<std::decay_t<F>>;
  auto *h = new handler{std::forward<F>(f)};
  if (when == transaction_end::commit)
    _stm_add_end_handler(&handler::run, &handler::discard, h);
  else
    _stm_add_end_handler(&handler::discard, &handler::run, h);
}

// ------------------------------------------------------- transaction queue

class queue_core;
queue_core *queue_create(unsigned workers);
void queue_destroy(queue_core *core) noexcept;
void queue_add(queue_core *core, task &&t);
void queue_run(queue_core *core);
std::size_t queue_size(const queue_core *core) noexcept;

} // namespace detail

// Rolls the block back if an exception leaves it, then propagates the
// exception. Cannot be nested inside another atomic block.
template <class F> decltype(auto) atomic_cancel(F &&f, const char *site = nullptr) {
  return detail::run_atomic_cancel(std::forward<F>(f), site);
}

class transaction_queue {
public:
  transaction_queue() : core_(detail::queue_create(0)) {}
  explicit transaction_queue(unsigned workers) : core_(detail::queue_create(workers)) {}
  ~transaction_queue() { detail::queue_destroy(core_); }
  transaction_queue(const transaction_queue &) = delete;
  transaction_queue &operator=(const transaction_queue &) = delete;

  template <class F, class... Args> void add(F &&f, Args &&...args) {
    detail::queue_add(core_, detail::make_task(std::forward<F>(f), std::forward<Args>(args)...));
  }
  std::size_t size() const noexcept { return detail::queue_size(core_); }
  void run() { detail::queue_run(core_); }

private:
  detail::queue_core *core_;
};

} // namespace stm

#endif // STMIFY_DETAIL_INSTRUMENTED_HPP
