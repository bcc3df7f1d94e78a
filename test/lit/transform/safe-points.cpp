// Safe points at loop back-edges and at the entry of functions that call or
// loop; none in leaf functions, constexpr functions or at atomic block entry.
// A while or for loop takes its safe point in its condition, unless the
// condition declares a variable, may be a constant or is written by a macro.
// A short counted loop whose body neither calls nor loops has none.
// The compiles of the plugin's and the tool's output (with g++, whose
// -Wreturn-type does not see through a comma) check that a loop without an
// exit stays one.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include > %t.gxx.cpp
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -Wno-unused-parameter -D__STMIFY__=1 -I%stmify_include -c %t.gxx.cpp -o %t.gxx.o
#include <stmify/stm.hpp>

struct Cell : stm::object {
  long v = 0;
};

long leaf(Cell *c) { return c->v; }
// CHECK: long leaf(Cell *c) { return stm::rd(c)->v; }

constexpr long square(long x) { return x * x; }
// CHECK: constexpr long square(long x) { return x * x; }

long loops(Cell *c, int n) {
  long s = 0;
  for (int i = 0; i < n; ++i) s += leaf(c);
  while (n-- > 0) { s += 1; }
  do s += 2; while (n++ < 3);
  for (;;) if (s > 10) break; else s += 3;
  return s;
}
// CHECK: long loops(Cell *c, int n) { stm::detail::safe_point();
// CHECK: for (int i = 0; stm::detail::safe_point(), i < n; ++i) s += leaf(c);
// CHECK: while (stm::detail::safe_point(), n-- > 0) { s += 1; }
// CHECK: do { stm::detail::safe_point(); s += 2; } while (n++ < 3);
// CHECK: for (;;) { stm::detail::safe_point(); if (s > 10) break; else s += 3; }

void quiet(Cell *c, int n) noexcept { for (int i = 0; i < n; ++i) c->v += i; }
// CHECK: void quiet(Cell *c, int n) noexcept { stm::detail::nothrow_scope __stmify_nothrow; for (int i = 0; stm::detail::safe_point_nothrow(), i < n; ++i) stm::wr(c, "{{[^"]*}}")->v += i; }

void block(Cell *c) { stm::atomic([&] { leaf(c); }); }
// CHECK: void block(Cell *c) { stm::detail::safe_point(); stm::atomic([&] { leaf(c); }, "{{[^"]*}}"); }

// The condition's barriers and the body's on the same object are not
// separated by the safe point.
struct Node : stm::object {
  long key = 0;
  Node *next = nullptr;
};
Node *find(Node *n, long k) {
  while (n && n->key < k) n = n->next;
  return n;
}
// CHECK: Node *find(Node *n, long k) { stm::detail::safe_point();
// CHECK: while (stm::detail::safe_point(), n && stm::rd(n)->key < k) n = stm::rd(n)->next;

long forever(Cell *c) {
  while (true) { if (c->v > 3) return c->v; c->v += 1; }
}
// CHECK: while (true) { stm::detail::safe_point(); if (stm::rd(c)->v > 3) return stm::detail::read_again(c)->v; stm::wr(c, "{{[^"]*}}")->v += 1; }

constexpr bool kSpin = true;
#define BELOW(x, limit) ((x) < (limit))
long kept(Cell *c, int n) {
  while (Cell *d = n > 0 ? c : nullptr) { n -= 1; d->v += 1; }
  while (BELOW(n, 10)) n += 1;
  for (; kSpin || n > 3;) { if (n > 20) return n; n += 1; }
}
// CHECK: while (Cell *d = n > 0 ? c : nullptr) { stm::detail::safe_point(); n -= 1; stm::wr(d, "{{[^"]*}}")->v += 1; }
// CHECK: while (BELOW(n, 10)) { stm::detail::safe_point(); n += 1; }
// CHECK: for (; kSpin || n > 3;) { stm::detail::safe_point(); if (n > 20) return n; n += 1; }

// In a template, a condition of template parameters alone is a constant in
// each instantiation; one that reads a variable never is.
template <int N> long spin(Cell *c) {
  while (N > 0) { c->v += 1; if (c->v > N) return c->v; }
}
template <class T> long count_below(T *c, int n) {
  long s = 0;
  while (s < n && c->v < static_cast<long>(sizeof(T))) s += 1;
  return s;
}
long use_templates(Cell *c) { return spin<3>(c) + count_below(c, 5); }
// CHECK: while (N > 0) { stm::detail::safe_point(); stm::wr(c, "{{[^"]*}}")->v += 1; if (stm::detail::read_again(c)->v > N) return stm::detail::read_again(c)->v; }
// CHECK: while (stm::detail::safe_point(), s < n && stm::rd(c)->v < static_cast<long>(sizeof(T))) s += 1;

// A for loop that counts by one from a constant to a constant at most 1024
// further, with a body that neither calls, loops nor changes the counter,
// has no safe point: its back-edge runs a bounded stretch of straight code.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wtautological-constant-out-of-range-compare"
#else
#pragma GCC diagnostic ignored "-Wtype-limits"
#endif
long short_loops(Cell *c, long *a) {
  long s = 0;
  for (int i = 0; i < 16; ++i) s += c->v;
  for (unsigned i = 0; i <= 1023; i++) s += a[i & 7];
  for (unsigned char i = 0; i < 200; ++i) s += i;
  const int n = 8;
  for (int i = 0; i < n; ++i) s += a[i];
  for (int i = 0; i < 8; ++i) for (int j = 0; j < 2; ++j) s += j;
  for (int i = 0; i < 1025; ++i) s += a[i & 7];
  for (int i = 0; i < 8; ++i) s += leaf(c);
  for (int i = 0; i < 8; ++i) { s += i; i += 0; }
  for (int i = 0; i < 8; ++i) { int *p = &i; s += *p; }
  for (int i = 0; i < 8; i += 1) s += i;
  for (int i = 0; i != 8; ++i) s += i;
  for (unsigned char i = 0; i <= 255; ++i) s += i;
  for (unsigned char i = 0; i < 300; ++i) s += i;
  return s;
}
// CHECK: long short_loops(Cell *c, long *a) { stm::detail::safe_point();
// CHECK-NEXT: long s = 0;
// CHECK-NEXT: (void)stm::rd(c); for (int i = 0; i < 16; ++i) s += stm::detail::read_again(c)->v;
// CHECK-NEXT: for (unsigned i = 0; i <= 1023; i++) s += a[i & 7];
// CHECK-NEXT: for (unsigned char i = 0; i < 200; ++i) s += i;
// CHECK-NEXT: const int n = 8;
// CHECK-NEXT: for (int i = 0; i < n; ++i) s += a[i];
// CHECK-NEXT: for (int i = 0; stm::detail::safe_point(), i < 8; ++i) for (int j = 0; j < 2; ++j) s += j;
// CHECK-NEXT: for (int i = 0; stm::detail::safe_point(), i < 1025; ++i) s += a[i & 7];
// CHECK-NEXT: for (int i = 0; stm::detail::safe_point(), i < 8; ++i) s += leaf(c);
// CHECK-NEXT: for (int i = 0; stm::detail::safe_point(), i < 8; ++i) { s += i; i += 0; }
// CHECK-NEXT: for (int i = 0; stm::detail::safe_point(), i < 8; ++i) { int *p = &i; s += *p; }
// CHECK-NEXT: for (int i = 0; stm::detail::safe_point(), i < 8; i += 1) s += i;
// CHECK-NEXT: for (int i = 0; stm::detail::safe_point(), i != 8; ++i) s += i;
// CHECK-NEXT: for (unsigned char i = 0; stm::detail::safe_point(), i <= 255; ++i) s += i;
// CHECK-NEXT: for (unsigned char i = 0; stm::detail::safe_point(), i < 300; ++i) s += i;
// CHECK-NEXT: return s;

// A function that does not loop and whose calls all reach no safe point
// and touch no managed object (the program's functions that neither call
// nor loop nor touch one; the library's functions given only arithmetic
// values; the element accessors and sizes of its sequence containers) has
// none at its entry either. One that touches a managed object keeps it (a
// thread may begin there), as does one that calls a function that calls,
// makes or destroys an object of class type, gives the library an iterator
// or a pointer, calls itself or a virtual function; so do a constructor, a
// noexcept function (its scope) and a template.
#include <algorithm>
#include <string>
#include <vector>
long doubled(long v) { return v * 2; }
struct Counts {
  std::vector<long> slots = std::vector<long>(8);
  long get(int i) const { return slots[i]; }
  long with_leaf(long v) const { return long(slots.size()) + doubled(v); }
  long clamp(long v) const { return std::min(std::max(v, 0L), 7L); }
  long by_lambda(int i) const { return [](int j) { return j * 2; }(i); }
  long in_lambda(int i) const { auto at = [this](int j) { return slots[j]; }; return at(i); }
  long with_cell(Cell *c, int i) const { return c->v + slots[i]; }
  long with_managed_leaf(Cell *c) const { return doubled(leaf(c)); }
  long smallest(long *a, long *b) const { return *std::min(a, b); }
  long through_get(int i) const { return get(i) + get(i + 1); }
  void fill() { std::fill(slots.begin(), slots.end(), 1); }
  long name_size() const { std::string s = "x"; return long(s.size()); }
  long recurse(int n) const { return n > 0 ? recurse(n - 1) : doubled(0); }
  virtual long v() const { return 0; }
  long via_virtual() const { return v(); }
  long quiet_get(int i) const noexcept { return slots[i]; }
  explicit Counts(long n) { slots[0] = doubled(n); }
  virtual ~Counts() = default;
};
template <class T> long generic_size(const std::vector<T> &v) { return long(v.size()); }
long use_counts(const Counts &k) { return k.get(0) + generic_size(k.slots); }
// CHECK: long doubled(long v) { return v * 2; }
// CHECK: long get(int i) const { return slots[i]; }
// CHECK-NEXT: long with_leaf(long v) const { return long(slots.size()) + doubled(v); }
// CHECK-NEXT: long clamp(long v) const { return std::min(std::max(v, 0L), 7L); }
// CHECK-NEXT: long by_lambda(int i) const { return [](int j) { return j * 2; }(i); }
// CHECK-NEXT: long in_lambda(int i) const { stm::detail::safe_point(); auto at = [this](int j) { return slots[j]; }; return at(i); }
// CHECK-NEXT: long with_cell(Cell *c, int i) const { stm::detail::safe_point(); return stm::rd(c)->v + slots[i]; }
// CHECK-NEXT: long with_managed_leaf(Cell *c) const { stm::detail::safe_point(); return doubled(leaf(c)); }
// CHECK-NEXT: long smallest(long *a, long *b) const { stm::detail::safe_point(); return *std::min(a, b); }
// CHECK-NEXT: long through_get(int i) const { stm::detail::safe_point(); return get(i) + get(i + 1); }
// CHECK-NEXT: void fill() { stm::detail::safe_point(); (stm::detail::inevitable_hook("{{[^"]*}}"), std::fill(slots.begin(), slots.end(), 1)); }
// CHECK-NEXT: long name_size() const { stm::detail::safe_point(); std::string s = "x"; return long(s.size()); }
// CHECK-NEXT: long recurse(int n) const { stm::detail::safe_point(); return n > 0 ? recurse(n - 1) : doubled(0); }
// CHECK-NEXT: virtual long v() const { return 0; }
// CHECK-NEXT: long via_virtual() const { stm::detail::safe_point(); return v(); }
// CHECK-NEXT: long quiet_get(int i) const noexcept { stm::detail::nothrow_scope __stmify_nothrow; return slots[i]; }
// CHECK-NEXT: explicit Counts(long n) { stm::detail::safe_point(); slots[0] = doubled(n); }
// CHECK: template <class T> long generic_size(const std::vector<T> &v) { stm::detail::safe_point(); return long(stm::loc(v).size()); }
// CHECK-NEXT: long use_counts(const Counts &k) { stm::detail::safe_point(); return k.get(0) + generic_size(k.slots); }

// A call in a lambda's init-capture runs where the lambda is made: it
// counts as a call of the function that makes it.
long made_in_capture(long n);
long capture_calls(long n) { auto l = [v = n > 0 ? made_in_capture(n - 1) : 0] { return v; }; (void)l; return n; }
long made_in_capture(long n) { return capture_calls(n) + 1; }
// CHECK: long capture_calls(long n) { stm::detail::safe_point(); auto l = [v = n > 0 ? made_in_capture(n - 1) : 0] { return v; }; (void)l; return n; }
// CHECK: long made_in_capture(long n) { stm::detail::safe_point(); return capture_calls(n) + 1; }
