// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -Xclang -verify %s
#include <stmify/stm.hpp>

struct Extent {
  long width = 0;
  long area() const { return width * width; }
};

struct Square : stm::object, Extent {
  long side = 0;
};

long measure(const Extent &e) { return e.width; }

long uses(Square *s) {
  long fine = s->width + s->side; // fields of the base, through the managed object
  Extent *e = s; // expected-error {{a managed object of type Square is converted to its unmanaged base Extent; code that uses the base pointer or reference reads the object without barriers [stmify:unmanaged-base-reference]}} expected-note {{fix: make Extent derive from stm::object too, or access the base's fields through the managed object}}
  long m = measure(*s); // expected-error {{a managed object of type Square is converted to its unmanaged base Extent}} expected-note {{fix: make Extent derive}}
  long a = s->area(); // expected-error {{a managed object of type Square is converted to its unmanaged base Extent}} expected-note {{fix: make Extent derive}}
  return fine + e->width + m + a;
}
