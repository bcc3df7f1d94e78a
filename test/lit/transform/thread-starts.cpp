// A thread begins in what std::thread, std::jthread, std::async,
// pthread_create or a container of threads is given, and may begin in what a
// std::function or std::packaged_task holds: a new thread attaches to the
// runtime at its first safe point and faults at a barrier before one, so
// that function, lambda or function object attaches the thread at its entry
// when it has no safe point there (it neither calls nor loops); the attach
// moves no attached thread, so it is still no safe point. A lambda that is
// not started as a thread gets neither.
// RUN: %clangxx -fplugin=%plugin -std=c++20 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++20 -I%stmify_include
#include <stmify/stm.hpp>

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <pthread.h>
#include <thread>
#include <vector>

struct Box : stm::object {
  long value = 0;
};

void set_two(Box *b) { b->value = 2; }
// CHECK: void set_two(Box *b) { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 2; }
void *set_seven(void *p) { static_cast<Box *>(p)->value = 7; return nullptr; }
// CHECK: void *set_seven(void *p) { stm::detail::attach_if_unattached(); stm::wr(static_cast<Box *>(p), "{{[^"]*}}")->value = 7; return nullptr; }
struct SetThree {
  Box *target;
  void operator()() const { target->value = 3; }
};
// CHECK: void operator()() const { stm::detail::attach_if_unattached(); stm::wr(target, "{{[^"]*}}")->value = 3; }
struct Holder {
  Box *held;
  void store() { held->value = 6; }
};
// CHECK: void store() { stm::detail::attach_if_unattached(); stm::wr(held, "{{[^"]*}}")->value = 6; }
void set_one(Box *b) { b->value = 1; }
// CHECK: void set_one(Box *b) { stm::wr(b, "{{[^"]*}}")->value = 1; }

void by_lambda(Box *a) { std::thread t([a] { a->value = 1; }); t.join(); }
// CHECK: void by_lambda(Box *a) { stm::detail::safe_point(); {{.*}}std::thread t([a] { stm::detail::attach_if_unattached(); stm::wr(a, "{{[^"]*}}")->value = 1; }); {{.*}}t.join()); }
void by_function(Box *b) { std::thread t(set_two, b); t.join(); }
void by_object(Box *c) { std::thread t(SetThree{c}); t.join(); }
void by_variable(Box *d) {
  auto set_d = [d] { d->value = 4; };
  std::thread t(set_d);
  t.join();
}
// CHECK: auto set_d = [d] { stm::detail::attach_if_unattached(); stm::wr(d, "{{[^"]*}}")->value = 4; };
void in_pool(Box *e) {
  std::vector<std::thread> pool;
  pool.emplace_back([e] { e->value = 5; });
  pool[0].join();
}
// CHECK: (stm::detail::inevitable_hook("{{[^"]*}}"), pool.emplace_back([e] { stm::detail::attach_if_unattached(); stm::wr(e, "{{[^"]*}}")->value = 5; }));
void by_member(Holder *holder) { std::thread t(&Holder::store, holder); t.join(); }
void by_pthread(Box *g) {
  pthread_t posix;
  pthread_create(&posix, nullptr, set_seven, g);
  pthread_join(posix, nullptr);
}
long by_async(Box *h) { return std::async(std::launch::async, [h] { h->value = 8; return h->value; }).get(); }
// CHECK: long by_async(Box *h) { stm::detail::safe_point(); return {{.*}}std::async(std::launch::async, [h] { stm::detail::attach_if_unattached(); stm::wr(h, "{{[^"]*}}")->value = 8; return stm::detail::read_again(h)->value; }){{.*}}; }
void by_jthread(Box *k) { std::jthread t([k] { k->value += 1; }); }
// CHECK: void by_jthread(Box *k) { stm::detail::safe_point(); {{.*}}std::jthread t([k] { stm::detail::attach_if_unattached(); stm::wr(k, "{{[^"]*}}")->value += 1; }); }
void not_a_thread(Box *a) {
  auto set_nine = [a] { a->value = 9; };
  set_nine();
  set_one(a);
}
// CHECK: auto set_nine = [a] { stm::wr(a, "{{[^"]*}}")->value = 9; };

// A lambda without captures made a pointer to function, a cast function,
// std::make_unique<std::thread>, std::optional<std::thread>::emplace (the
// callable first) and std::map<K, std::thread>::try_emplace (after the key).
void set_ten(Box *b) { b->value = 10; }
void set_eleven(Box *b) { b->value = 11; }
void *set_twelve(void *p) { static_cast<Box *>(p)->value = 12; return nullptr; }
// CHECK: void set_ten(Box *b) { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 10; }
// CHECK: void set_eleven(Box *b) { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 11; }
// CHECK: void *set_twelve(void *p) { stm::detail::attach_if_unattached(); stm::wr(static_cast<Box *>(p), "{{[^"]*}}")->value = 12; return nullptr; }
void more_starts(Box *b) {
  pthread_t first, second;
  pthread_create(&first, nullptr, [](void *p) -> void * { static_cast<Box *>(p)->value = 9; return nullptr; }, b);
  pthread_create(&second, nullptr, static_cast<void *(*)(void *)>(set_twelve), b);
  auto owned = std::make_unique<std::thread>([b] { b->value = 13; });
  std::optional<std::thread> maybe;
  maybe.emplace(set_ten, b);
  std::map<int, std::thread> named;
  named.try_emplace(1, set_eleven, b);
}
// CHECK: {{.*}}pthread_create(&first, nullptr, [](void *p) -> void * { stm::detail::attach_if_unattached(); stm::wr(static_cast<Box *>(p), "{{[^"]*}}")->value = 9; return nullptr; }, b));
// CHECK: auto owned = {{.*}}std::make_unique<std::thread>([b] { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 13; }){{.*}};

// A structured binding of an array field copies the field's elements.
struct Pair : stm::object {
  long xy[2] = {1, 2};
};
long g_sum = 0;
void binds(Pair *p) { std::thread t([p] { auto [x, y] = p->xy; g_sum = x + y; }); t.join(); }
// CHECK: void binds(Pair *p) { stm::detail::safe_point(); {{.*}}std::thread t([p] { stm::detail::attach_if_unattached(); auto [x, y] = stm::rd(p)->xy; {{.*}}g_sum = x + y{{.*}}; }); {{.*}}t.join()); }

// What a std::function or std::packaged_task is made from or assigned may be
// given to a thread later, and so may what std::bind, std::bind_front,
// std::ref or std::cref wraps.
struct SetTwenty {
  Box *target;
  void operator()() const { target->value = 20; }
// CHECK: void operator()() const { stm::detail::attach_if_unattached(); stm::wr(target, "{{[^"]*}}")->value = 20; }
};
void wrapped(Box *b) {
  std::function<void()> held = [b] { b->value = 14; };
// CHECK: std::function<void()> held = [b] { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 14; };
  std::vector<std::function<void()>> jobs;
  jobs.push_back([b] { b->value = 15; });
// CHECK: jobs.push_back([b] { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 15; });
  std::function<void()> assigned;
  assigned = [b] { b->value = 16; };
// CHECK: assigned = [b] { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 16; };
  std::packaged_task<void()> task([b] { b->value = 17; });
// CHECK: std::packaged_task<void()> task([b] { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 17; });
  SetTwenty twenty{b};
  Holder keeper{b};
  std::thread by_bind(std::bind([](Box *x) { x->value = 18; }, b));
// CHECK: {{.*}}std::thread by_bind({{.*}}std::bind([](Box *x) { stm::detail::attach_if_unattached(); stm::wr(x, "{{[^"]*}}")->value = 18; }, b)));
  std::thread by_front(std::bind_front([](Box *x) { x->value = 19; }, b));
// CHECK: {{.*}}std::thread by_front({{.*}}std::bind_front([](Box *x) { stm::detail::attach_if_unattached(); stm::wr(x, "{{[^"]*}}")->value = 19; }, b)));
  std::thread by_reference(std::ref(twenty));
  std::thread copied(held);
  jobs.emplace_back([b] { b->value = 21; });
// CHECK: jobs.emplace_back([b] { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 21; });
  auto shared = std::make_shared<std::packaged_task<void()>>([b] { b->value = 22; });
// CHECK: auto shared = std::make_shared<std::packaged_task<void()>>([b] { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 22; });
  std::thread by_member_function(std::mem_fn(&Holder::store), &keeper);
  std::map<int, std::function<void()>> named;
  named.emplace(1, [b] { b->value = 23; });
// CHECK: named.emplace(1, [b] { stm::detail::attach_if_unattached(); stm::wr(b, "{{[^"]*}}")->value = 23; });
  by_bind.join();
  by_front.join();
  by_reference.join();
  copied.join();
  by_member_function.join();
}

// The attach moves no attached thread: a caller may still bind a field of
// its segment to a reference across a call of such a lambda.
void add_to(Box *b, Box *c) {
  auto add = [b](long &x) { x += b->value; };
// CHECK: auto add = [b](long &x) { stm::detail::attach_if_unattached(); {{.*}}x += stm::rd(b)->value); };
  std::function<void(long &)> keep = add;
  add(c->value);
// CHECK: add(stm::wr(c, "{{[^"]*}}")->value);
}
