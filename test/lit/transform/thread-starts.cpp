// A thread begins in what std::thread, std::jthread, std::async,
// pthread_create or a container of threads is given: that function, lambda
// or function object gets a safe point at its entry even when it neither
// calls nor loops, since a new thread attaches to the runtime at its first
// safe point and faults at a barrier before one. A lambda that is not
// started as a thread keeps none.
// RUN: %clangxx -fplugin=%plugin -std=c++20 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++20 -I%stmify_include
#include <stmify/stm.hpp>

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
// CHECK: void set_two(Box *b) { stm::detail::safe_point(); stm::wr(b, "{{[^"]*}}")->value = 2; }
void *set_seven(void *p) { static_cast<Box *>(p)->value = 7; return nullptr; }
// CHECK: void *set_seven(void *p) { stm::detail::safe_point(); stm::wr(static_cast<Box *>(p), "{{[^"]*}}")->value = 7; return nullptr; }
struct SetThree {
  Box *target;
  void operator()() const { target->value = 3; }
};
// CHECK: void operator()() const { stm::detail::safe_point(); stm::wr(target, "{{[^"]*}}")->value = 3; }
struct Holder {
  Box *held;
  void store() { held->value = 6; }
};
// CHECK: void store() { stm::detail::safe_point(); stm::wr(held, "{{[^"]*}}")->value = 6; }
void set_one(Box *b) { b->value = 1; }
// CHECK: void set_one(Box *b) { stm::wr(b, "{{[^"]*}}")->value = 1; }

void by_lambda(Box *a) { std::thread t([a] { a->value = 1; }); t.join(); }
// CHECK: void by_lambda(Box *a) { stm::detail::safe_point(); {{.*}}std::thread t([a] { stm::detail::safe_point(); stm::wr(a, "{{[^"]*}}")->value = 1; }); {{.*}}t.join()); }
void by_function(Box *b) { std::thread t(set_two, b); t.join(); }
void by_object(Box *c) { std::thread t(SetThree{c}); t.join(); }
void by_variable(Box *d) {
  auto set_d = [d] { d->value = 4; };
  std::thread t(set_d);
  t.join();
}
// CHECK: auto set_d = [d] { stm::detail::safe_point(); stm::wr(d, "{{[^"]*}}")->value = 4; };
void in_pool(Box *e) {
  std::vector<std::thread> pool;
  pool.emplace_back([e] { e->value = 5; });
  pool[0].join();
}
// CHECK: (stm::detail::inevitable_hook("{{[^"]*}}"), pool.emplace_back([e] { stm::detail::safe_point(); stm::wr(e, "{{[^"]*}}")->value = 5; }));
void by_member(Holder *holder) { std::thread t(&Holder::store, holder); t.join(); }
void by_pthread(Box *g) {
  pthread_t posix;
  pthread_create(&posix, nullptr, set_seven, g);
  pthread_join(posix, nullptr);
}
long by_async(Box *h) { return std::async(std::launch::async, [h] { h->value = 8; return h->value; }).get(); }
// CHECK: long by_async(Box *h) { stm::detail::safe_point(); return {{.*}}std::async(std::launch::async, [h] { stm::detail::safe_point(); stm::wr(h, "{{[^"]*}}")->value = 8; return stm::detail::read_again(h)->value; }){{.*}}; }
void by_jthread(Box *k) { std::jthread t([k] { k->value += 1; }); }
// CHECK: void by_jthread(Box *k) { stm::detail::safe_point(); {{.*}}std::jthread t([k] { stm::detail::safe_point(); stm::wr(k, "{{[^"]*}}")->value += 1; }); }
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
// CHECK: void set_ten(Box *b) { stm::detail::safe_point(); stm::wr(b, "{{[^"]*}}")->value = 10; }
// CHECK: void set_eleven(Box *b) { stm::detail::safe_point(); stm::wr(b, "{{[^"]*}}")->value = 11; }
// CHECK: void *set_twelve(void *p) { stm::detail::safe_point(); stm::wr(static_cast<Box *>(p), "{{[^"]*}}")->value = 12; return nullptr; }
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
// CHECK: {{.*}}pthread_create(&first, nullptr, [](void *p) -> void * { stm::detail::safe_point(); stm::wr(static_cast<Box *>(p), "{{[^"]*}}")->value = 9; return nullptr; }, b));
// CHECK: auto owned = {{.*}}std::make_unique<std::thread>([b] { stm::detail::safe_point(); stm::wr(b, "{{[^"]*}}")->value = 13; }){{.*}};

// A structured binding of an array field copies the field's elements.
struct Pair : stm::object {
  long xy[2] = {1, 2};
};
long g_sum = 0;
void binds(Pair *p) { std::thread t([p] { auto [x, y] = p->xy; g_sum = x + y; }); t.join(); }
// CHECK: void binds(Pair *p) { stm::detail::safe_point(); {{.*}}std::thread t([p] { stm::detail::safe_point(); auto [x, y] = stm::rd(p)->xy; {{.*}}g_sum = x + y{{.*}}; }); {{.*}}t.join()); }
