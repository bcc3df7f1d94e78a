#include "registry.h"

#include "immortal.h"

#include <mutex>
#include <pthread.h>
#include <unistd.h>
#include <vector>

namespace stm::rt {
namespace {

std::mutex g_registry_lock;
thread_record *g_free_records = nullptr;
struct registry_tag;
std::vector<thread_record *> &all_records() {
  return immortal<std::vector<thread_record *>, registry_tag>();
}

void remember_stack(thread_record &t) noexcept {
  pthread_attr_t attr;
  void *lo = nullptr;
  std::size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &lo, &size);
    pthread_attr_destroy(&attr);
  }
  t.stack_mapping_lo = lo;
  t.stack_hi = static_cast<char *>(lo) + size;
}

} // namespace

thread_record *new_thread_record() noexcept {
  std::lock_guard<std::mutex> lock(g_registry_lock);
  thread_record *t = g_free_records;
  if (t) {
    g_free_records = t->next_free;
    t->~thread_record();
    new (t) thread_record();
  } else {
    t = new thread_record();
    all_records().push_back(t);
  }
  t->in_use = true;
  t->tid = gettid();
  remember_stack(*t);
  return t;
}

void retire_thread_record(thread_record &t) noexcept {
  std::lock_guard<std::mutex> lock(g_registry_lock);
  t.view = nullptr;
  t.carried = {}; // a constructor the thread never finished: garbage
  t.in_use = false;
  t.stack_hi = t.stack_mapping_lo = nullptr;
  t.next_free = g_free_records;
  g_free_records = &t;
}

void poke_locked(thread_record *t) noexcept {
  if (t && t->view)
    _stm_set_countdown(t->view, 0);
}

void poke(thread_record *t) noexcept {
  std::lock_guard<std::mutex> lock(g_registry_lock);
  poke_locked(t);
}

void for_each_thread_record(void (*f)(thread_record &, void *), void *ctx) noexcept {
  std::lock_guard<std::mutex> lock(g_registry_lock);
  for (thread_record *t : all_records())
    if (t->in_use)
      f(*t, ctx);
}

} // namespace stm::rt
