// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -ferror-limit=0 -Xclang -verify %s
// Accessors returning a reference to a field: refused where not every caller
// can be checked, and their results judged like fields where they are bound.
#include <functional>
#include <string>
#include <stmify/stm.hpp>

void take_a_lock(); // defined elsewhere: it may reach a safe point
void take(long &);  // the same

struct Point {
  long x = 0;
  void shift(); // defined elsewhere
};

struct Table : stm::object {
  long cells[8] = {};
  Point where;
  long &operator[](int i) { return cells[i]; }
  Point &spot() { return where; }
  long &outside(int i);
  virtual long &overridable(int i) {
    return cells[i]; // expected-error {{a reference to a field of managed object of type Table escapes}} expected-note {{fix: bind it in}} expected-note {{a function may return a reference to a field only when all its callers can be checked; here a virtual function may be called through a base class whose version returns something else}}
  }
  long &labelled(int i) {
    std::string label = "cell";
    return cells[i]; // expected-error {{a reference to a field of managed object of type Table escapes}} expected-note {{fix: bind it in}} expected-note {{here a local's destructor runs after the reference is taken, and may move the thread to another view of the heap}}
  }
};

long &Table::outside(int i) {
  return cells[i]; // expected-error {{a reference to a field of managed object of type Table escapes}} expected-note {{fix: bind it in}} expected-note {{here callers in other files do not see that it returns a field reference: define it in its class or declare it inline}}
}

inline long &cell0(Table *t) { return t->cells[0]; }

long *stash;

void outside_blocks(Table *t) {
  long &r = (*t)[1]; // expected-error {{a reference to a field of managed object of type Table escapes}} expected-note {{fix: bind it in}}
  take_a_lock(); // expected-note {{this call of 'take_a_lock' may reach a safe point}}
  r = 2;
}

void escaping_results(Table *t) {
  stash = &(*t)[2]; // expected-error {{the address of a field of managed object of type Table escapes}} expected-note {{fix: bind it in}}
  take((*t)[0]); // expected-error {{a reference to a field of managed object of type Table escapes}} expected-note {{fix: bind it in}}
  t->spot().shift(); // expected-error {{the address of a field of managed object of type Table escapes}} expected-note {{fix: bind it in}}
  auto at = &Table::operator[]; // expected-error {{'operator[]' returns a reference to a field of a managed object, and is used here otherwise than called: the references that calls through this pointer return cannot be checked [stmify:field-accessor-address-taken]}} expected-note {{fix: call the function directly, or make it return the value}}
  (void)at;
  std::function<long &(Table *)> through = cell0; // expected-error {{'cell0' returns a reference to a field of a managed object, and is used here otherwise than called}} expected-note {{fix: call the function directly}}
  (void)through;
}

void free_accessor(Table *t) {
  long &c = cell0(t); // expected-error {{a reference to a field of managed object of type Table escapes}} expected-note {{fix: bind it in}}
  take_a_lock(); // expected-note {{this call of 'take_a_lock' may reach a safe point}}
  c = 1;
}

void inside_blocks(Table *t) {
  stm::atomic([&] {
    long &r = (*t)[1];
    take_a_lock();
    r = 2; // fine: valid to the end of the block
    take((*t)[0]); // fine
    stash = &(*t)[2]; // expected-error {{the address of a field of managed object of type Table escapes}} expected-note {{fix: bind it in}} expected-note {{stmify follows references to fields, not pointers to them}}
    std::function<long &()> later = [t]() -> long & {
      return (*t)[3]; // expected-error {{a reference to a field of managed object of type Table escapes}} expected-note {{fix: bind it in}} expected-note {{here a lambda may be called through std::function or a template, where the callers cannot be checked}}
    };
    (void)later;
  });
}

template <class T> void in_a_template(T *t) {
  long &r = (*t)[0]; // expected-error {{a reference to a field of managed object of type T escapes}} expected-note {{fix: bind it in}} expected-note {{outside atomic blocks such a reference is not accepted in a template}}
  r = 1;
  long &s = t->operator[](1); // expected-error {{a reference to a field of managed object of type T escapes}} expected-note {{fix: bind it in}} expected-note {{outside atomic blocks such a reference is not accepted in a template}}
  s = 1;
}
template void in_a_template<Table>(Table *);
