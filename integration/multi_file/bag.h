// A bag of items shared by several translation units: the header's inline
// functions and templates are instrumented in each of them.
#pragma once
#include <stmify/stm.hpp>
struct Item : stm::object {
  long value = 0;
  Item *next = nullptr;
};
struct Bag : stm::object {
  Item *head = nullptr;
  long count = 0;
  void add(long v);
  long total() const;
  template <class F> void each(F f) const {
    for (Item *i = head; i; i = i->next)
      f(i->value);
  }
};
