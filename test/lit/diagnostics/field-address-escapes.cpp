// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -ferror-limit=0 -Xclang -verify %s
#include <algorithm>
#include <stmify/stm.hpp>

struct Point {
  long x = 0, y = 0;
  void shift(); // defined elsewhere: it may reach a safe point
  long norm() const { return x * x + y * y; }
};

struct Node : stm::object {
  long value = 0;
  long items[4] = {};
  Point where;
};

void take(long &); // defined elsewhere
void bump(long &v) { ++v; } // reaches no safe point
long *stash;

void escapes(Node *n) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes: it points into one thread's view of the object, valid only to the end of the atomic block that binds it, or outside atomic blocks to the thread's next safe point [stmify:field-address-escapes]}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out, or pass the object itself and access the field where it is used}}
  take(r); // expected-note {{this call of 'take' may reach a safe point, synchronise or let the reference escape while it lives; from a safe point the thread may continue in another segment}}
  r = 1;
  stash = &n->value; // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
  take(n->value); // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
  n->where.shift(); // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
  for (long &item : n->items) // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
    n->where.shift(), item = 0; // expected-note {{this call of 'Point::shift' may reach a safe point}} expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
}

// Outside atomic blocks a reference to a field is valid until the thread's
// next safe point: with none while it lives (no call that may reach one, no
// blocking, no synchronisation; loops there keep no safe point), it is
// accepted.
struct Guard {
  ~Guard(); // defined elsewhere: it may reach a safe point
};
struct Shape {
  virtual long area() const { return 1; }
};
#include <mutex>
std::mutex m;
void until_the_next_safe_point(Node *n, long v) {
  long &r = n->value;
  r += v;
  bump(r);
  r = std::max(r, n->items[1]);
  auto &[x, y] = n->where;
  std::swap(x, y);
}
void writing_range_for(Node *n, long v) {
  for (long &item : n->items)
    item = std::max(item, v);
}
void loop_in_the_live_range(Node *n) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  for (long &item : n->items) // expected-note {{this loop may reach a safe point}}
    item = r;
}
void locking(Node *n) {
  long &s = n->items[0]; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  std::lock_guard<std::mutex> hold(m); // expected-note {{this object's construction or destruction may reach a safe point}}
  s = 1;
}
void scope_end(Node *n) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  Guard g; // expected-note {{this object's construction or destruction may reach a safe point}}
  r = 2;
}
void virtual_call(Node *n, Shape *s) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  r += s->area(); // expected-note {{this call of 'Shape::area' may reach a safe point}}
}
struct Locker {
  std::unique_lock<std::mutex> lock;
  explicit Locker(std::mutex &m) : lock(m) {}
};
void hidden_in_constructors(Node *n) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  { Locker l(m); } // expected-note {{this object's construction or destruction may reach a safe point}}
  r = 2;
}
long with_default(long x = (take(*stash), 1));
void defaults_and_loops(Node *n, Node *ready) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  r = with_default(); // expected-note {{this call of 'with_default' may reach a safe point}}
  long &s = n->items[0]; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  while (ready->value == 0) // expected-note {{this loop may reach a safe point}}
    s += 1;
}
#include <functional>
void through_std_ref(Node *n) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  (void)std::ref(r); // expected-note {{this call of 'std::ref' may reach a safe point}}
}
// A function reaches a safe point through what it calls, also when it is
// constexpr, through a constructor's member initialisers, a destructor's
// members, or an override.
void external();
constexpr long checked(long &v) {
  if (v < 0)
    external();
  return v;
}
struct Holder {
  std::unique_lock<std::mutex> lock;
  long &ref;
  explicit Holder(long &r) : lock(m), ref(r) {}
};
struct Incrementer {
  virtual void add(long &to) { ++to; }
};
void through_callees(Node *n, Incrementer *c) {
  checked(n->value); // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  Holder h(n->value); // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  c->add(n->value); // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
}
void under_a_case(Node *n, int k) {
  switch (k) {
  default:
    long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
    r = 1;
  }
}
template <class T> void in_a_template_body(Node *n) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}} expected-note {{outside atomic blocks such a reference is not accepted in a template: what an instantiation calls is not known}}
  T t;
  r += 1;
}
void entering_a_block(Node *n) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  stm::atomic([&] { ++n->items[0]; }); // expected-note {{this call of 'stm::atomic' may reach a safe point}}
  r = 3;
}

long *address(Node *n) {
  return &n->items[1]; // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
}

// Library code, and functions that reach no safe point, may take it.
long allowed(Node *n, Node *m) {
  std::swap(n->value, m->value);
  n->where = Point{1, 2};
  bump(n->value);
  long norm = n->where.norm();
  return std::max(n->value, m->items[0]) + norm;
}

// An array field used as a pointer is its address.
long *decayed(Node *n) {
  long *p = n->items; // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
  return p;
}

void library_reads(Node *n, long *out) {
  std::copy(n->items, n->items + 2, out);
}

// In an atomic block's own body the thread keeps its segment to the block's
// end: references bound there, and arguments of calls made there, are valid.
void in_an_atomic_block(Node *n) {
  stm::atomic([&] {
    long &r = n->value;
    r += 1;
    const long &c = n->items[0];
    n->items[1] = c;
    for (long &item : n->items)
      item += 1;
    take(n->value);
    n->where.shift();
    long copy = r;
    std::sort(n->items, n->items + 4, [copy](long a, long b) { return a + copy < b; });
  });
}

// ... but not a pointer that may be stored, a reference the block returns,
// one bound in a lambda nested in the block (it may run later), or one
// captured by such a lambda.
void (*later)(long &);
void outliving_the_block(Node *n) {
  stm::atomic([&] {
    stash = &n->value; // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in}} expected-note {{stmify follows references to fields, not pointers to them}}
    long &r = n->value;
    auto bump_later = [&r] { ++r; }; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
    bump_later();
    auto nested = [n] {
      long &s = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
      take(s); // expected-note {{this call of 'take' may reach a safe point}}
    };
    nested();
    auto nested_without_safe_point = [n] {
      long &s = n->value;
      s = 2;
    };
    nested_without_safe_point();
  });
  long &result = stm::atomic([&]() -> long & {
    return n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  });
  (void)result;
}

// A reference bound in the block is the field again wherever it goes.
struct Two {
  long first = 0, second = 0;
};
struct Pair : stm::object {
  Two two;
  long grid[2][2] = {};
};
long (*stashed_row);
void through_a_named_reference(Node *n, Pair *p) {
  stm::atomic([&] {
    long &r = n->value;
    long &again = r;
    again += 1;
    stash = &r; // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in}} expected-note {{stmify follows references to fields, not pointers to them}}
    auto &[a, b] = p->two;
    auto keep = [&a] { ++a; }; // expected-error {{a reference to a field of managed object of type Pair escapes}} expected-note {{fix: bind it in}}
    keep();
    (void)b;
    for (long *row : p->grid) // expected-error {{a reference to a field of managed object of type Pair escapes}} expected-note {{fix: bind it in}}
      stashed_row = row;
  });
  stm::atomic([&r = n->value] { ++r; }); // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  long &out = stm::atomic([&]() -> long & {
    long &r = n->value;
    return r; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  });
  (void)out;
}

// In templates: an atomic block whose lambda is dependent is still an atomic
// block (references bound in it are accepted), and what escapes names the
// object's type as written.
template <class N> struct Shelf : stm::object {
  N slots[2];
};

template <class S> void in_a_template(S *shelf, S *other) {
  stm::atomic([&] {
    long &r = shelf->slots[0].value;
    for (auto &slot : shelf->slots)
      slot.value += r;
  });
  stash = &other->slots[1].value; // expected-error {{the address of a field of managed object of type S escapes}} expected-note {{fix: bind it in}}
}

template <class N> void in_a_template(Shelf<N> *shelf) {
  stash = &shelf->slots[1].value; // expected-error {{the address of a field of managed object of type Shelf<N> escapes}} expected-note {{fix: bind it in}}
}

struct Counter {
  long value = 0;
};

void instantiate(Shelf<Counter> *shelf) {
  in_a_template(shelf, shelf);
  in_a_template(shelf);
}

// Another argument of the same call that may move the thread: C++ may bind
// the reference before it runs. In an atomic block's body it is fine.
long slow_index(long i); // defined elsewhere: it may reach a safe point
void pair_up(long &a, long b) { a += b; } // reaches no safe point
void add_to(long *a, long b) { *a += b; }  // reaches no safe point
void sibling_arguments(Node *n, long i) {
  pair_up(n->value, slow_index(i)); // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}} expected-note {{this call of 'slow_index' may reach a safe point}}
  pair_up(n->value, i + 1);
  stm::atomic([&] { pair_up(n->value, slow_index(i)); });
  add_to(&n->value, slow_index(i)); // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in}} expected-note {{this call of 'slow_index' may reach a safe point}}
}

// Library code given something to call calls the program: a std::function,
// or a function pointer given to std::invoke or an algorithm.
#include <functional>
void sync_point(); // defined elsewhere
void callables(Node *n, const std::function<void()> &g) {
  long &r = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  g(); // expected-note {{this call of 'std::function<void ()>::operator()' may reach a safe point}}
  r = 1;
  long &s = n->items[0]; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
  std::invoke(&sync_point); // expected-note {{this call of 'std::invoke}}
  s = 2;
}
