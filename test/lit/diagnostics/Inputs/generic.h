// A header that does not use stmify's API: it is compiled as written.
#pragma once
template <class T> long value_of(const T *p) { return p->value; }
template <class T> long twice(long x) { return 2 * x; }
template <class T> struct Box {
  T *item = nullptr;
};
