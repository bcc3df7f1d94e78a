// Threads that begin in code that calls nothing: a lambda, a function, a
// function object, a lambda held in a variable and a member function, each
// given to std::thread, std::jthread, std::async, a vector, an optional or a
// map of threads, std::make_unique or pthread_create, or held by a
// std::function, a std::packaged_task, std::bind or std::ref, whose first act
// is to touch a managed object (a new thread attaches to the runtime at its
// first safe point). Main reads what each thread wrote after joining it.
#include "idiom.h"

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <pthread.h>
#include <thread>
#include <vector>

namespace {

struct Box : stm::object {
  long value = 0;
};

void set_from_function(Box *box) { box->value = 2; }

void *set_from_pthread(void *argument) {
  static_cast<Box *>(argument)->value = 7;
  return nullptr;
}

struct Setter {
  Box *box;
  void operator()() const { box->value = 3; }
};

struct Owner {
  Box *box;
  void set() { box->value = 6; }
};

struct Marker {
  Box *box;
  long value;
  void operator()() const { box->value = value; }
};

struct Pair : stm::object {
  long xy[2] = {4, 6};
};

void set_from_optional(Box *box) { box->value = 11; }
void set_from_map(Box *box) { box->value = 12; }

} // namespace

int main() {
  long total = 0;
  for (int round = 0; round < 20; ++round) {
    std::vector<Box *> boxes;
    for (int i = 0; i < 9; ++i)
      boxes.push_back(stm::make<Box>());
    Box *a = boxes[0], *b = boxes[1], *c = boxes[2], *d = boxes[3], *e = boxes[4], *f = boxes[5],
        *g = boxes[6], *h = boxes[7], *k = boxes[8];
    std::thread by_lambda([a] { a->value = 1; });
    std::thread by_function(set_from_function, b);
    std::thread by_object(Setter{c});
    auto set_d = [d] { d->value = 4; };
    std::thread by_variable(set_d);
    std::vector<std::thread> pool;
    pool.emplace_back([e] { e->value = 5; });
    Owner owner{f};
    std::thread by_member(&Owner::set, &owner);
    pthread_t posix;
    pthread_create(&posix, nullptr, set_from_pthread, g);
    auto later = std::async(std::launch::async, [h] { h->value = 8; });
    {
      std::jthread joined([k] { k->value = 9; });
    }
    by_lambda.join();
    by_function.join();
    by_object.join();
    by_variable.join();
    pool[0].join();
    by_member.join();
    pthread_join(posix, nullptr);
    later.get();
    Box *m = stm::make<Box>(), *n = stm::make<Box>(), *o = stm::make<Box>(), *q = stm::make<Box>();
    Pair *pair = stm::make<Pair>();
    long bound = 0;
    pthread_t captureless;
    pthread_create(
        &captureless, nullptr,
        [](void *argument) -> void * {
          static_cast<Box *>(argument)->value = 10;
          return nullptr;
        },
        m);
    std::optional<std::thread> maybe;
    maybe.emplace(set_from_optional, n);
    std::map<int, std::thread> named;
    named.try_emplace(1, set_from_map, o);
    auto owned = std::make_unique<std::thread>([q] { q->value = 13; });
    std::thread binding([pair, &bound] {
      auto [x, y] = pair->xy;
      bound = x + y;
    });
    pthread_join(captureless, nullptr);
    maybe->join();
    named[1].join();
    owned->join();
    binding.join();
    boxes.insert(boxes.end(), {m, n, o, q});
    Box *r = stm::make<Box>(), *s = stm::make<Box>(), *t = stm::make<Box>(), *u = stm::make<Box>(),
        *v = stm::make<Box>(), *w = stm::make<Box>(), *x = stm::make<Box>(), *y = stm::make<Box>(),
        *z = stm::make<Box>();
    std::function<void()> held = [r] { r->value = 14; };
    std::vector<std::function<void()>> jobs;
    jobs.push_back([s] { s->value = 15; });
    jobs.emplace_back([x] { x->value = 20; });
    std::map<int, std::function<void()>> named_jobs;
    named_jobs.emplace(1, [z] { z->value = 22; });
    auto shared_task = std::make_shared<std::packaged_task<void()>>([y] { y->value = 21; });
    std::function<void()> assigned;
    assigned = [t] { t->value = 16; };
    Marker marker{u, 17};
    std::packaged_task<void()> task([w] { w->value = 19; });
    std::future<void> task_done = task.get_future();
    std::thread from_held(held), from_jobs(jobs[0]), from_assigned(assigned),
        from_reference(std::ref(marker)), from_bind(std::bind([](Box *x) { x->value = 18; }, v)),
        from_task(std::move(task)), from_emplaced(jobs[1]), from_named(named_jobs[1]),
        from_shared([shared_task] { (*shared_task)(); });
    from_held.join();
    from_jobs.join();
    from_assigned.join();
    from_reference.join();
    from_bind.join();
    from_task.join();
    from_emplaced.join();
    from_named.join();
    from_shared.join();
    task_done.get();
    boxes.insert(boxes.end(), {r, s, t, u, v, w, x, y, z});
    total += bound;
    for (const Box *box : boxes)
      total += box->value;
    idiom::churn(10);
  }
  std::printf("total %ld\n", total);
  return 0;
}
