// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
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
  r = 1;
  stash = &n->value; // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
  take(n->value); // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
  n->where.shift(); // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
  for (long &item : n->items) // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in the atomic block that uses it, copy the value out}}
    item = 0;
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
    stash = &n->value; // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
    long &r = n->value;
    auto bump_later = [&r] { ++r; }; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
    bump_later();
    auto nested = [n] {
      long &s = n->value; // expected-error {{a reference to a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
      s = 2;
    };
    nested();
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
    stash = &r; // expected-error {{the address of a field of managed object of type Node escapes}} expected-note {{fix: bind it in}}
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
