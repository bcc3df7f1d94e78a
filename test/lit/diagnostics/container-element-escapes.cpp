// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -ferror-limit=0 -Xclang -verify %s
#include <stmify/stm.hpp>

struct Customer : stm::object {
  stm::vector<long> reservations;
};

void log(long); // defined elsewhere: it may reach a safe point
void bump(long &); // defined elsewhere
long twice(long v) { return 2 * v; } // reaches no safe point

void outside(Customer *c, stm::vector<long> &local) {
  long &first = c->reservations[0]; // expected-error {{a reference to an element of stm::vector<long> lives across a point where the thread may move to another segment: under the plugin the element lies in one thread's view, valid to the end of the atomic block that binds it, or outside atomic blocks to the thread's next safe point [stmify:container-element-escapes]}} expected-note {{fix: bind it inside an atomic block, copy the element out and store it back by index, or iterate by value}}
  log(first); // expected-note {{this call of 'log' may reach a safe point, synchronise or let the reference escape while it lives; from a safe point the thread may continue in another segment}}
  first = 1;
  for (long &r : local) // expected-error {{a reference to an element of stm::vector<long> lives across}} expected-note {{fix: bind it inside an atomic block}}
    log(r); // expected-note {{this call of 'log' may reach a safe point}}
  bump(local[1]); // expected-error {{a reference to an element of stm::vector<long> lives across}} expected-note {{fix: bind it inside an atomic block}}
}

// Accepted: nothing can move the thread while the reference lives, the
// element is copied, or the block keeps the thread in its segment.
void accepted(Customer *c, stm::vector<long> &local) {
  for (long &r : local)
    r = twice(r);
  for (long r : c->reservations)
    log(r);
  for (const long &r : local)
    log(r);
  {
    long &first = c->reservations[0];
    first += 1;
  }
  stm::atomic([&] {
    long &first = c->reservations[0];
    log(first);
    first = 2;
    for (long &r : local)
      bump(r);
  });
}
