// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -fsyntax-only -ferror-limit=0 -Xclang -verify %s
#include <stmify/stm.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <numeric>

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

// Library code given a container's elements calls the program's functions
// with references into the segment: outside atomic blocks such a function
// must not reach a safe point (its own entry's included) while it uses them.
struct Point {
  long x, y;
};

struct Board : stm::object {
  stm::vector<Point> points;
  stm::dict<long, long> counts;
  stm::set<long> keys;
};

long slow(long v) { long s = 0; for (int i = 0; i < 3; ++i) s += v; return s; }
bool bySlowX(const Point &a, const Point &b) { return slow(a.x) < slow(b.x); } // expected-note 2 {{'std::sort' calls this function with a reference to an element; outside atomic blocks it may use it only until something may move the thread (or take the element by value)}} expected-note 2 {{this call of 'slow' may reach a safe point}}
bool operator<(const Point &a, const Point &b) { return slow(a.x) < b.x; } // expected-note {{'std::sort' calls this function with a reference}} expected-note {{this call of 'slow' may reach a safe point}}
struct Heavy {
  bool operator()(const Point &p) const { return slow(p.x) > 0; } // expected-note {{'std::count_if' calls this function with a reference}} expected-note {{this call of 'slow' may reach a safe point}}
};

template <class Range> long countSlow(const Range &r) {
  return std::count_if(r.begin(), r.end(), [](const auto &p) { return slow(p.x) > 0; }); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::count_if' calls this function with a reference}} expected-note {{this call of 'slow' may reach a safe point}}
}

template <class Range> long countQuiet(const Range &r) {
  return std::count_if(r.begin(), r.end(), [](const auto &p) noexcept { return p.x > 0; }); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::count_if' calls this function with a reference}} expected-note {{it is refused: it is noexcept and written in a template: its other instantiations may need the safe point at its entry}}
}

bool byDeclaredX(const Point &a, const Point &b); // expected-note {{'std::sort' calls this function with a reference}} expected-note {{it is refused: its body is in another file, where it may reach a safe point}}

void callbacks(Board *b, const stm::vector<Point> &local) {
  countQuiet(local);
  std::sort(b->points.begin(), b->points.end(), byDeclaredX); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}}
  std::sort(b->points.begin(), b->points.end(), bySlowX); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}}
  std::sort(b->points.begin(), b->points.end()); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}}
  std::count_if(b->points.begin(), b->points.end(), Heavy{}); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}}
  std::for_each(b->points.rbegin(), b->points.rend(), [](auto &p) { p.x += slow(p.y); }); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::for_each' calls this function with a reference}} expected-note {{this call of 'slow' may reach a safe point}}
  std::accumulate(b->keys.begin(), b->keys.end(), 0L, [](long s, const long &k) { return s + slow(k); }); // expected-error {{a reference to an element of stm::set<long> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::accumulate' calls this function with a reference}} expected-note {{this call of 'slow' may reach a safe point}}
  auto big = [](const auto &kv) { return slow(kv.second) > 1; }; // expected-note {{'std::count_if' calls this function with a reference}} expected-note {{this call of 'slow' may reach a safe point}}
  std::count_if(b->counts.cbegin(), b->counts.cend(), big); // expected-error {{a reference to an element of stm::dict<long, long> lives across}} expected-note {{fix: bind it inside an atomic block}}
  countSlow(local);
}

// A function the library reaches through a pointer or a std::function is
// not known.
void unknownCallbacks(Board *b, bool (*cmp)(const Point &, const Point &),
                      const std::function<bool(const Point &)> &pred) {
  std::sort(b->points.begin(), b->points.end(), cmp); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::sort' may call the function this argument holds with a reference to an element, and stmify cannot see which function that is; pass the function or lambda itself}}
  std::count_if(b->points.begin(), b->points.end(), pred); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::count_if' may call the function this argument holds}}
  std::sort(b->points.begin(), b->points.end(), &bySlowX); // expected-error {{a reference to an element of stm::vector<Point> lives across}} expected-note {{fix: bind it inside an atomic block}}
  stm::atomic([&] { std::sort(b->points.begin(), b->points.end(), cmp); });
}

// A library function that holds references to elements while it calls the
// program, that returns one of them, or a function that keeps an element's
// address; an element's own conversion called by the library.
struct Money {
  long cents;
  operator long() const { return slow(cents); } // expected-note {{'std::accumulate' calls this function with a reference}} expected-note {{this call of 'slow' may reach a safe point}}
};

struct Tally : stm::object {
  stm::vector<long> nums;
  stm::vector<Money> money;
};

void heldElements(Tally *t) {
  const long &lo = std::min(t->nums[2], t->nums[3]); // expected-error {{a reference to an element of stm::vector<long> lives across}} expected-note {{fix: bind it inside an atomic block}}
  log(lo); // expected-note {{this call of 'log' may reach a safe point}}
  auto pair = std::minmax(t->nums[0], t->nums[1]); // expected-error {{a reference to an element of stm::vector<long> lives across}} expected-note {{fix: bind it inside an atomic block}}
  log(pair.first); // expected-note {{this call of 'log' may reach a safe point}}
  const long *p = &t->nums[2]; // expected-error {{a reference to an element of stm::vector<long> lives across}} expected-note {{fix: bind it inside an atomic block}}
  log(*p); // expected-note {{this call of 'log' may reach a safe point}}
  long m = std::min(t->nums[2], t->nums[3], [](long a, long b) { log(a); return a < b; }); // expected-error {{a reference to an element of stm::vector<long> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::min' holds references to elements while it calls this function; outside atomic blocks the function must not move the thread, whatever it takes}} expected-note {{this call of 'log' may reach a safe point}}
  std::accumulate(t->money.cbegin(), t->money.cend(), 0L); // expected-error {{a reference to an element of stm::vector<Money> lives across}} expected-note {{fix: bind it inside an atomic block}}
  const long *best = nullptr;
  std::for_each(t->nums.cbegin(), t->nums.cend(), [&](const long &x) { if (!best || x > *best) best = &x; }); // expected-error {{a reference to an element of stm::vector<long> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::for_each' calls this function with a reference}} expected-note {{this may reach a safe point, synchronise or let the reference escape}}
  auto cmp = [](long a, long b) { return a < b; };
  m += std::min(t->nums[2], t->nums[3], cmp); // fine: copying the closure runs no code
  m += std::min(t->nums[2], t->nums[3], std::less<long>());
  log(m);
}

// Accepted: the function cannot move the thread, takes the element by
// value, or runs in an atomic block, where the thread keeps its segment.
long quick(long v) { return 2 * v; }
void acceptedCallbacks(Board *b) {
  std::sort(b->points.begin(), b->points.end(), [](const Point &l, const Point &r) { return quick(l.x) < r.x; });
  std::count_if(b->counts.cbegin(), b->counts.cend(), [](const auto &kv) { return kv.second > kv.first; });
  std::accumulate(b->keys.begin(), b->keys.end(), 0L, [](long s, long k) { return s + slow(k); });
  stm::atomic([&] {
    std::sort(b->points.begin(), b->points.end(), bySlowX);
    std::for_each(b->points.begin(), b->points.end(), [](Point &p) { p.x = slow(p.y); });
  });
}

// stm::string's readers call no code of the program's; substr allocates,
// printf may block, and a comparison with a class of the program's runs its
// conversion.
struct Label {
  operator std::string_view() const;
};
struct Club : stm::object {
  stm::vector<stm::string> names;
};
void stringCallbacks(Club *c, const Label &label) {
  std::count_if(c->names.cbegin(), c->names.cend(), [](const stm::string &s) { return s.size() > 3 && s != "Bo" && s.compare("Ada") < 0; });
  std::count_if(c->names.cbegin(), c->names.cend(), [](const stm::string &s) { return s.substr(1) == "da"; }); // expected-error {{a reference to an element of stm::vector<stm::string> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::count_if' calls this function with a reference}} expected-note {{this call of 'stm::string::substr' may reach a safe point}}
  std::count_if(c->names.cbegin(), c->names.cend(), [](const stm::string &s) { return std::printf("%s", s.c_str()) > 0; }); // expected-error {{a reference to an element of stm::vector<stm::string> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::count_if' calls this function with a reference}} expected-note {{this call of 'printf' may reach a safe point}}
  std::count_if(c->names.cbegin(), c->names.cend(), [&](const stm::string &s) { return s == label; }); // expected-error {{a reference to an element of stm::vector<stm::string> lives across}} expected-note {{fix: bind it inside an atomic block}} expected-note {{'std::count_if' calls this function with a reference}} expected-note {{this call of 'stm::operator==' may reach a safe point}}
}
