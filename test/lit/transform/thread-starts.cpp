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
