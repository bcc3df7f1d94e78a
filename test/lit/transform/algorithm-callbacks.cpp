// Library code given a container's elements outside atomic blocks calls the
// program's functions with references into the thread's segment: a function
// it calls that way keeps no safe point at its entry when its body cannot
// move the thread (a generic lambda's body, in a template too, counts by its
// instantiations; a call of a function that reaches no safe point is
// allowed). A generic lambda that nothing calls so keeps its entry safe
// point, a template's body not showing what its instantiations call; a
// function whose calls all reach no safe point has none anyway (byX, and
// safe-points.cpp); a parameter taken by value is a copy.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

struct Point {
  long x = 0, y = 0;
};

struct Board : stm::object {
  stm::vector<Point> points;
  stm::dict<long, long> counts;
};

long twice(long v) { return 2 * v; }
long slow(long v) {
  long s = 0;
  for (int i = 0; i < 3; ++i)
    s += v;
  return s;
}

bool byY(const Point &a, const Point &b) { return twice(a.y) < b.y; }
// CHECK: bool byY(const Point &a, const Point &b) { return twice(a.y) < b.y; }
bool byX(const Point &a, const Point &b) { return twice(a.x) < b.x; }
// CHECK: bool byX(const Point &a, const Point &b) { return twice(a.x) < b.x; }

template <class Range> long positive(const Range &r) {
  return std::count_if(r.begin(), r.end(), [](const auto &p) { return twice(p.x) > 0; });
}
// CHECK: return (stm::detail::inevitable_hook("{{.*}}"), std::count_if(stm::loc(r).begin(), stm::loc(r).end(), [](const auto &p) { return twice(stm::rd(p).x) > 0; }));

long use(Board *b, const stm::vector<Point> &local) {
  long n = std::count_if(b->points.cbegin(), b->points.cend(), [](const auto &p) { return p.x == p.y; });
  n += std::count_if(b->counts.cbegin(), b->counts.cend(), [](const auto &kv) { return twice(kv.second) > kv.first; });
  n += std::accumulate(b->points.cbegin(), b->points.cend(), 0L, [](long s, Point p) { return s + slow(p.x); });
  std::sort(b->points.begin(), b->points.end(), byY);
  n += positive(local);
  return n;
}
// CHECK: long n = std::count_if(stm::rd(b)->points.cbegin(), stm::rd(b)->points.cend(), [](const auto &p) { return stm::rd(p).x == stm::rd(p).y; });
// CHECK: n += std::count_if(stm::detail::read_again(b)->counts.cbegin(), stm::detail::read_again(b)->counts.cend(), [](const auto &kv) { return twice(stm::rd(kv).second) > stm::rd(kv).first; });
// CHECK: n += std::accumulate(stm::detail::read_again(b)->points.cbegin(), stm::detail::read_again(b)->points.cend(), 0L, [](long s, Point p) { stm::detail::safe_point(); return s + slow(p.x); });

// stm::string's readers and comparisons, and a builtin of the C library that
// computes a value, call no code of the program's.
struct Club : stm::object {
  stm::vector<stm::string> names;
  stm::vector<double> xs;
};

long named(Club *c) {
  long n = std::count_if(c->names.cbegin(), c->names.cend(), [](const auto &s) { return s.size() > 3 && s == "Ada" && s.starts_with('A'); });
  n += long(std::accumulate(c->xs.cbegin(), c->xs.cend(), 0.0, [](double t, const double &x) { return t + std::sqrt(x); }));
  return n;
}
// CHECK: long n = std::count_if(stm::rd(c)->names.cbegin(), stm::rd(c)->names.cend(), [](const auto &s) { return stm::loc(s).size() > 3 && s == "Ada" && stm::loc(s).starts_with('A'); });
// CHECK: n += long(std::accumulate(stm::detail::read_again(c)->xs.cbegin(), stm::detail::read_again(c)->xs.cend(), 0.0, [](double t, const double &x) { return t + std::sqrt(x); }));

// Not given elements: the lambda keeps its safe point.
long plain(const long *a, int n) {
  return std::count_if(a, a + n, [](const auto &v) { return twice(v) > 0; });
}
// CHECK: return std::count_if(a, a + n, [](const auto &v) { stm::detail::safe_point(); return twice(v) > 0; });
