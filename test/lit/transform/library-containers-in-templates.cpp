// A container of stmify's library whose type depends on a template
// parameter: the pattern cannot tell r->active[key] from memory outside the
// managed heap, the instantiations can. An element in every instantiation
// of this translation unit is written as an element (no hook, and the object
// holding the container is only read); one that some instantiation makes a
// standard container's keeps its hook, as does a template never
// instantiated. A reference bound to such an element is an element's.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>

#include <map>

template <class Key> struct Registry : stm::object {
  stm::dict<Key, long> active;
  stm::vector<Key> order;
};

template <class Key> struct Session {
  Registry<Key> *r;
  Key key;
  Session(Registry<Key> *r, Key key) : r(r), key(key) {
    stm::atomic([&] {
      r->active[key] += 1;
      r->order.push_back(key);
      r->order.back() = key;
    });
  }
  ~Session() {
    stm::atomic([&] { r->active[key] -= 1; });
  }
};
// CHECK: stm::rd(r)->active[key] += 1;
// CHECK: stm::loc(stm::detail::read_again(r)->order).push_back(key);
// CHECK: stm::loc(stm::detail::read_again(r)->order).back() = key;
// CHECK: stm::atomic([&] { stm::rd(r)->active[key] -= 1; }, "{{.*}}");

template <class Key> void touch(Registry<Key> *r, Key k) {
  stm::atomic([&] { r->order[0] += 1; r->active[k] = 3; });
  stm::atomic([&] { auto &n = r->active[k]; n += 1; Key &last = r->order.back(); last = k; });
}
// CHECK: stm::atomic([&] { stm::rd(r)->order[0] += 1; stm::detail::read_again(r)->active[k] = 3; }, "{{.*}}");
// CHECK: stm::atomic([&] { auto &n = stm::rd(r)->active[k]; n += 1; Key &last = stm::loc(stm::detail::read_again(r)->order).back(); last = k; }, "{{.*}}");

template <class Table> void put(Table &t, long k) {
  stm::atomic([&] { t[k] = 1; });
}
// CHECK: stm::atomic([&] { (stm::detail::inevitable_hook("{{.*}}"), t[k] = 1); }, "{{.*}}");

template <class Key> void never(Registry<Key> *r, Key k) {
  stm::atomic([&] { r->active[k] = 3; });
}
// CHECK: stm::atomic([&] { (stm::detail::inevitable_hook("{{.*}}"), stm::rd(r)->active[k] = 3); }, "{{.*}}");

void use(Registry<long> *r, stm::dict<long, long> &d, std::map<long, long> &m) {
  Session<long> s(r, 4);
  touch(r, 5L);
  put(d, 1);
  put(m, 2);
}
