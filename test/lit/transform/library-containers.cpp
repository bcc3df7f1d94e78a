// stm::vector: its methods change the body behind the field, so the object
// holding the field is only read; an element that is only read is read
// through the const accessor; a range-for by value reads each element as the
// loop reaches it; a reference to an element writes without a hook.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

#include <algorithm>

struct Point {
  int x = 0, y = 0;
};

struct Customer : stm::object {
  stm::vector<long> reservations;
  stm::vector<Point> stops;
  stm::vector<stm::string> notes;
};

stm::vector<long> history;
stm::vector<Point> history_points;

void reserve(Customer *c, long id) {
  stm::atomic([&] {
    c->reservations.push_back(id);
    c->reservations[0] = id;
    history.push_back(id);
  });
}
// CHECK: stm::rd(c)->reservations.push_back(id);
// CHECK-NEXT: stm::detail::read_again(c)->reservations[0] = id;
// CHECK-NEXT: history.push_back(id);

long first(Customer *c) {
  return stm::atomic([&] { return c->reservations[0] + c->reservations.at(1); });
}
// CHECK: return stm::atomic([&] { return stm::detail::read_only(stm::rd(c)->reservations)[0] + stm::detail::read_only(stm::rd(c)->reservations).at(1); }, "{{.*}}");

long total(Customer *c) {
  long sum = 0;
  for (long r : c->reservations)
    sum += r;
  return sum;
}
// CHECK: for (long r : stm::detail::elements_of(stm::rd(c)->reservations))

void shift(Customer *c) {
  stm::atomic([&] {
    for (Point &p : c->stops)
      p.x += 1;
    Point &last = c->stops.back();
    last.y = 2;
    c->stops.begin()->y = 3;
    c->notes[0] += "!";
  });
}
// CHECK: for (Point &p : stm::rd(c)->stops)
// CHECK-NEXT: { stm::detail::safe_point_in_block(); p.x += 1; }
// CHECK-NEXT: Point &last = stm::detail::read_again(c)->stops.back();
// CHECK-NEXT: last.y = 2;
// CHECK-NEXT: stm::detail::read_again(c)->stops.begin()->y = 3;
// CHECK-NEXT: stm::detail::read_again(c)->notes[0] += "!";

// A container behind a reference, its iterators kept in locals, and a
// reference to an element emplace_back returns: writes through barriers of
// the container's own, so no hook.
void sort_all(stm::vector<long> &v, Point p) {
  stm::atomic([&] {
    std::sort(v.begin(), v.end());
    auto first = v.begin(), last = v.end();
    std::reverse(first, last);
    Point &added = history_points.emplace_back(p);
    added.y += 1;
  });
}
// CHECK: std::sort(v.begin(), v.end());
// CHECK-NEXT: auto first = v.begin(), last = v.end();
// CHECK-NEXT: std::reverse(first, last);
// CHECK-NEXT: Point &added = history_points.emplace_back(p);
// CHECK-NEXT: added.y += 1;
