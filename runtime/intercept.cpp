// Blocking and synchronisation, seen where they really happen: the runtime
// defines the C library's blocking and synchronising functions itself (the
// way sanitizers do) and calls the real ones. A thread that blocks in any of
// them, called from any library, gives its segment up (or, inside an atomic
// block, counts as stopped) after the call's arguments were evaluated, so it
// never holds up a collection or another thread; and every synchronises-with
// edge of the C++ memory model that goes through them publishes (release) or
// refreshes (acquire) the thread's view (docs/architecture.md §8).
//
// Only threads running the program's code while attached are concerned (see
// program_thread); the runtime's own locks, unattached threads and the test
// mode go straight to the real functions. When a sanitizer intercepts the
// same function, its interceptor is called in place of the C library's.
#include "diagnostics.h"
#include "heap.h"
#include "registry.h"
#include "sanitizer.h"
#include "sync.h"
#include "threads.h"
#include "transaction_fast_path.h"

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <dlfcn.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace stm::rt {
namespace {

void *find_real(const char *name, const char *version) noexcept {
  void *f = version ? dlvsym(RTLD_NEXT, name, version) : nullptr;
  if (!f)
    f = dlsym(RTLD_NEXT, name);
  if (!f)
    fatal("cannot find the C library's %s", name);
  return f;
}

// The calling thread, if a call it makes concerns the runtime.
thread_record *caller() noexcept { return program_thread(); }

// Synchronisation objects must not live in managed objects: every segment
// holds its own copy of an object, so a mutex there would lock nothing.
void check_unmanaged(const void *object, const char *what) noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(object);
  if (g_heap.in_reservation(a))
    fatal("%s lies inside a managed object; every segment holds its own copy of a "
          "managed object, so it cannot synchronise threads: keep it outside the managed heap",
          what);
}

bool in_managed_heap(const void *p) noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  return g_heap.window_size && g_heap.in_reservation(a);
}

// Edges around the real call; errno stays the call's.
void release(thread_record *t, const char *call) noexcept {
  if (!t || !release_edge_needed(*t))
    return;
  const int error = errno;
  release_edge(*t, call);
  errno = error;
}

// The calling thread, if a call it makes concerns the runtime, about to
// acquire something another thread releases. Inside an atomic block the
// transaction becomes inevitable first: were it to wait for the inevitable
// slot while holding what it acquired, the slot's holder could be waiting for
// that very thing (docs/architecture.md §8, lock order).
thread_record *acquirer(const char *call) noexcept {
  thread_record *t = caller();
  if (t && t->seg->tx.kind == tx_kind::atomic) {
    const int error = errno;
    before_acquire(*t, call); // a doomed transaction aborts at its next barrier
    errno = error;
  }
  return t;
}

void acquire(thread_record *t, const char *call) noexcept {
  if (!t || !acquire_edge_needed(*t))
    return;
  const int error = errno;
  acquire_edge(*t, call);
  errno = error;
}

// Runs the real call as a blocking call when the thread concerns us.
template <class F> auto blocking(thread_record *t, const char *call, F &&real) {
  return t ? run_blocking(call, real) : real();
}

} // namespace
} // namespace stm::rt

using namespace stm::rt;

// Declares the real function `name` (resolved on first use, and the
// sanitizer's interceptor when one is linked in) as real_name().
#define STMIFY_REAL(ret, name, params, version)                                                    \
  extern "C" ret ___interceptor_##name params __attribute__((weak));                               \
  namespace {                                                                                      \
  using name##_type = ret params;                                                                  \
  name##_type *real_##name() noexcept {                                                            \
    static std::atomic<name##_type *> f{nullptr};                                                  \
    name##_type *p = f.load(std::memory_order_acquire);                                            \
    if (!p) {                                                                                      \
      p = ___interceptor_##name ? ___interceptor_##name                                            \
                                : reinterpret_cast<name##_type *>(find_real(#name, version));      \
      f.store(p, std::memory_order_release);                                                       \
    }                                                                                              \
    return p;                                                                                      \
  }                                                                                                \
  }

// ------------------------------------------------------------------ mutexes

STMIFY_REAL(int, pthread_mutex_lock, (pthread_mutex_t *), nullptr)
STMIFY_REAL(int, pthread_mutex_trylock, (pthread_mutex_t *), nullptr)
STMIFY_REAL(int, pthread_mutex_timedlock, (pthread_mutex_t *, const timespec *), nullptr)
STMIFY_REAL(int, pthread_mutex_clocklock, (pthread_mutex_t *, clockid_t, const timespec *), nullptr)
STMIFY_REAL(int, pthread_mutex_unlock, (pthread_mutex_t *), nullptr)

extern "C" int pthread_mutex_lock(pthread_mutex_t *m) {
  thread_record *t = acquirer("pthread_mutex_lock");
  if (!t)
    return real_pthread_mutex_lock()(m);
  check_unmanaged(m, "a mutex");
  int r = real_pthread_mutex_trylock()(m);
  if (r == EBUSY)
    r = run_blocking("pthread_mutex_lock", [&] { return real_pthread_mutex_lock()(m); });
  else if (r != 0)
    r = real_pthread_mutex_lock()(m); // an error check or a robust mutex: as the library says
  if (r == 0)
    acquire(t, "pthread_mutex_lock");
  return r;
}

extern "C" int pthread_mutex_trylock(pthread_mutex_t *m) {
  thread_record *t = acquirer("pthread_mutex_trylock");
  const int r = real_pthread_mutex_trylock()(m);
  if (r == 0)
    acquire(t, "pthread_mutex_trylock");
  return r;
}

extern "C" int pthread_mutex_timedlock(pthread_mutex_t *m, const timespec *until) {
  thread_record *t = acquirer("pthread_mutex_timedlock");
  const int r = blocking(t, "pthread_mutex_timedlock",
                         [&] { return real_pthread_mutex_timedlock()(m, until); });
  if (r == 0)
    acquire(t, "pthread_mutex_timedlock");
  return r;
}

extern "C" int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock, const timespec *until) {
  thread_record *t = acquirer("pthread_mutex_clocklock");
  const int r = blocking(t, "pthread_mutex_clocklock",
                         [&] { return real_pthread_mutex_clocklock()(m, clock, until); });
  if (r == 0)
    acquire(t, "pthread_mutex_clocklock");
  return r;
}

extern "C" int pthread_mutex_unlock(pthread_mutex_t *m) {
  release(caller(), "pthread_mutex_unlock");
  return real_pthread_mutex_unlock()(m);
}

// ------------------------------------------------------------------ rwlocks

STMIFY_REAL(int, pthread_rwlock_rdlock, (pthread_rwlock_t *), nullptr)
STMIFY_REAL(int, pthread_rwlock_wrlock, (pthread_rwlock_t *), nullptr)
STMIFY_REAL(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *), nullptr)
STMIFY_REAL(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *), nullptr)
STMIFY_REAL(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *, const timespec *), nullptr)
STMIFY_REAL(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *, const timespec *), nullptr)
STMIFY_REAL(int, pthread_rwlock_clockrdlock, (pthread_rwlock_t *, clockid_t, const timespec *),
            nullptr)
STMIFY_REAL(int, pthread_rwlock_clockwrlock, (pthread_rwlock_t *, clockid_t, const timespec *),
            nullptr)
STMIFY_REAL(int, pthread_rwlock_unlock, (pthread_rwlock_t *), nullptr)

namespace {
// A lock taken with a try first: blocking only when the try fails.
template <class Try, class Block>
int lock_with(const char *call, const void *object, Try &&try_lock, Block &&lock) {
  thread_record *t = acquirer(call);
  if (!t)
    return lock();
  check_unmanaged(object, "a lock");
  int r = try_lock();
  if (r != 0)
    r = run_blocking(call, lock);
  if (r == 0)
    acquire(t, call);
  return r;
}
} // namespace

extern "C" int pthread_rwlock_rdlock(pthread_rwlock_t *l) {
  return lock_with(
      "pthread_rwlock_rdlock", l, [&] { return real_pthread_rwlock_tryrdlock()(l); },
      [&] { return real_pthread_rwlock_rdlock()(l); });
}

extern "C" int pthread_rwlock_wrlock(pthread_rwlock_t *l) {
  return lock_with(
      "pthread_rwlock_wrlock", l, [&] { return real_pthread_rwlock_trywrlock()(l); },
      [&] { return real_pthread_rwlock_wrlock()(l); });
}

extern "C" int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) {
  thread_record *t = acquirer("pthread_rwlock_tryrdlock");
  const int r = real_pthread_rwlock_tryrdlock()(l);
  if (r == 0)
    acquire(t, "pthread_rwlock_tryrdlock");
  return r;
}

extern "C" int pthread_rwlock_trywrlock(pthread_rwlock_t *l) {
  thread_record *t = acquirer("pthread_rwlock_trywrlock");
  const int r = real_pthread_rwlock_trywrlock()(l);
  if (r == 0)
    acquire(t, "pthread_rwlock_trywrlock");
  return r;
}

extern "C" int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const timespec *until) {
  thread_record *t = acquirer("pthread_rwlock_timedrdlock");
  const int r = blocking(t, "pthread_rwlock_timedrdlock",
                         [&] { return real_pthread_rwlock_timedrdlock()(l, until); });
  if (r == 0)
    acquire(t, "pthread_rwlock_timedrdlock");
  return r;
}

extern "C" int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const timespec *until) {
  thread_record *t = acquirer("pthread_rwlock_timedwrlock");
  const int r = blocking(t, "pthread_rwlock_timedwrlock",
                         [&] { return real_pthread_rwlock_timedwrlock()(l, until); });
  if (r == 0)
    acquire(t, "pthread_rwlock_timedwrlock");
  return r;
}

extern "C" int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c, const timespec *until) {
  thread_record *t = acquirer("pthread_rwlock_clockrdlock");
  const int r = blocking(t, "pthread_rwlock_clockrdlock",
                         [&] { return real_pthread_rwlock_clockrdlock()(l, c, until); });
  if (r == 0)
    acquire(t, "pthread_rwlock_clockrdlock");
  return r;
}

extern "C" int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c, const timespec *until) {
  thread_record *t = acquirer("pthread_rwlock_clockwrlock");
  const int r = blocking(t, "pthread_rwlock_clockwrlock",
                         [&] { return real_pthread_rwlock_clockwrlock()(l, c, until); });
  if (r == 0)
    acquire(t, "pthread_rwlock_clockwrlock");
  return r;
}

extern "C" int pthread_rwlock_unlock(pthread_rwlock_t *l) {
  release(caller(), "pthread_rwlock_unlock");
  return real_pthread_rwlock_unlock()(l);
}

// ------------------------------------------------------------------ spin locks

STMIFY_REAL(int, pthread_spin_lock, (pthread_spinlock_t *), nullptr)
STMIFY_REAL(int, pthread_spin_trylock, (pthread_spinlock_t *), nullptr)
STMIFY_REAL(int, pthread_spin_unlock, (pthread_spinlock_t *), nullptr)

extern "C" int pthread_spin_lock(pthread_spinlock_t *l) {
  thread_record *t = acquirer("pthread_spin_lock");
  const int r = real_pthread_spin_lock()(l);
  if (r == 0)
    acquire(t, "pthread_spin_lock");
  return r;
}

extern "C" int pthread_spin_trylock(pthread_spinlock_t *l) {
  thread_record *t = acquirer("pthread_spin_trylock");
  const int r = real_pthread_spin_trylock()(l);
  if (r == 0)
    acquire(t, "pthread_spin_trylock");
  return r;
}

extern "C" int pthread_spin_unlock(pthread_spinlock_t *l) {
  release(caller(), "pthread_spin_unlock");
  return real_pthread_spin_unlock()(l);
}

// ------------------------------------------------------------------ condition variables

STMIFY_REAL(int, pthread_cond_wait, (pthread_cond_t *, pthread_mutex_t *), "GLIBC_2.3.2")
STMIFY_REAL(int, pthread_cond_timedwait, (pthread_cond_t *, pthread_mutex_t *, const timespec *),
            "GLIBC_2.3.2")
STMIFY_REAL(int, pthread_cond_clockwait,
            (pthread_cond_t *, pthread_mutex_t *, clockid_t, const timespec *), nullptr)

// Waiting unlocks the mutex (a release) and locks it again (an acquire).
extern "C" int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  thread_record *t = acquirer("pthread_cond_wait");
  if (!t)
    return real_pthread_cond_wait()(c, m);
  check_unmanaged(c, "a condition variable");
  release(t, "pthread_cond_wait");
  const int r = run_blocking("pthread_cond_wait", [&] { return real_pthread_cond_wait()(c, m); });
  acquire(t, "pthread_cond_wait");
  return r;
}

extern "C" int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                      const timespec *until) {
  thread_record *t = acquirer("pthread_cond_timedwait");
  if (!t)
    return real_pthread_cond_timedwait()(c, m, until);
  check_unmanaged(c, "a condition variable");
  release(t, "pthread_cond_timedwait");
  const int r = run_blocking("pthread_cond_timedwait",
                             [&] { return real_pthread_cond_timedwait()(c, m, until); });
  acquire(t, "pthread_cond_timedwait");
  return r;
}

extern "C" int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                      const timespec *until) {
  thread_record *t = acquirer("pthread_cond_clockwait");
  if (!t)
    return real_pthread_cond_clockwait()(c, m, clock, until);
  check_unmanaged(c, "a condition variable");
  release(t, "pthread_cond_clockwait");
  const int r = run_blocking("pthread_cond_clockwait",
                             [&] { return real_pthread_cond_clockwait()(c, m, clock, until); });
  acquire(t, "pthread_cond_clockwait");
  return r;
}

// ------------------------------------------------------------------ barriers, semaphores

STMIFY_REAL(int, pthread_barrier_wait, (pthread_barrier_t *), nullptr)

extern "C" int pthread_barrier_wait(pthread_barrier_t *b) {
  thread_record *t = acquirer("pthread_barrier_wait");
  release(t, "pthread_barrier_wait");
  const int r = blocking(t, "pthread_barrier_wait", [&] { return real_pthread_barrier_wait()(b); });
  acquire(t, "pthread_barrier_wait");
  return r;
}

STMIFY_REAL(int, sem_wait, (sem_t *), nullptr)
STMIFY_REAL(int, sem_trywait, (sem_t *), nullptr)
STMIFY_REAL(int, sem_timedwait, (sem_t *, const timespec *), nullptr)
STMIFY_REAL(int, sem_clockwait, (sem_t *, clockid_t, const timespec *), nullptr)
STMIFY_REAL(int, sem_post, (sem_t *), nullptr)

extern "C" int sem_wait(sem_t *s) {
  return lock_with(
      "sem_wait", s, [&] { return real_sem_trywait()(s); }, [&] { return real_sem_wait()(s); });
}

extern "C" int sem_trywait(sem_t *s) {
  thread_record *t = acquirer("sem_trywait");
  const int r = real_sem_trywait()(s);
  if (r == 0)
    acquire(t, "sem_trywait");
  return r;
}

extern "C" int sem_timedwait(sem_t *s, const timespec *until) {
  thread_record *t = acquirer("sem_timedwait");
  const int r = blocking(t, "sem_timedwait", [&] { return real_sem_timedwait()(s, until); });
  if (r == 0)
    acquire(t, "sem_timedwait");
  return r;
}

extern "C" int sem_clockwait(sem_t *s, clockid_t clock, const timespec *until) {
  thread_record *t = acquirer("sem_clockwait");
  const int r = blocking(t, "sem_clockwait", [&] { return real_sem_clockwait()(s, clock, until); });
  if (r == 0)
    acquire(t, "sem_clockwait");
  return r;
}

extern "C" int sem_post(sem_t *s) {
  release(caller(), "sem_post");
  return real_sem_post()(s);
}

// ------------------------------------------------------------------ one-time initialisation

STMIFY_REAL(int, pthread_once, (pthread_once_t *, void (*)()), nullptr)

// std::call_once, and through it std::promise, std::packaged_task and
// std::future's shared states, run on pthread_once. A thread that finds the
// routine running in another thread waits inside the C library (on a futex
// this file cannot see), so the whole call runs detached; the routine itself,
// when this thread runs it, runs attached, and what it wrote is published
// before any waiter returns.
namespace {
struct once_call {
  void (*routine)();
  blocking_state waiting;
  once_call *outer; // a pthread_once inside the routine
};
thread_local once_call *t_once_call = nullptr;

// glibc's pthread_once_t: the routine has run when this bit is set.
constexpr int kOnceDone = 2;

void run_once_routine();

// Keeps the caller's registers in this frame for the collector's scan of the
// stack while the thread waits detached.
__attribute__((noinline)) int call_detached(pthread_once_t *once, once_call &c) {
  __builtin_unwind_init();
  volatile char here = 0;
  c.waiting = begin_blocking("pthread_once", const_cast<const char *>(&here), false);
  return real_pthread_once()(once, run_once_routine);
}

__attribute__((noinline)) void wait_detached(once_call &c) {
  __builtin_unwind_init();
  volatile char here = 0;
  c.waiting = begin_blocking("pthread_once", const_cast<const char *>(&here), false);
}

void run_once_routine() {
  once_call *c = t_once_call;
  end_blocking(c->waiting);
  c->waiting = {};
  t_once_call = c->outer;
  // Inside an atomic block the transaction stays what it was: std::call_once
  // in instrumented code made it inevitable already (the transformer marks
  // it), and the library's own one-time routines (the unwinder's, at the
  // first exception thrown) touch no managed object.
  c->routine(); // if it throws, the thread stays attached and pthread_once rethrows
  t_once_call = c;
  // The routine may be the first of the thread's code to attach it (the
  // function of a std::packaged_task that a new thread runs).
  if (thread_record *now = caller())
    release_unless_optimistic(*now, "pthread_once");
  wait_detached(*c);
}

// Whether the calling thread runs the program's code: attached, or not yet.
bool program_code() noexcept {
  const thread_record *t = current_thread();
  return !g_never_block && (!t || t->runtime_depth == 0);
}
} // namespace

extern "C" int pthread_once(pthread_once_t *once, void (*routine)()) {
  if (!program_code())
    return real_pthread_once()(once, routine);
  thread_record *t = caller();
  if (__atomic_load_n(once, __ATOMIC_ACQUIRE) & kOnceDone) {
    if (t)
      refresh_view(*t);
    return 0;
  }
  once_call c{routine, {}, t_once_call};
  int r;
  {
    struct restore { // also when the routine throws
      once_call &c;
      ~restore() {
        t_once_call = c.outer;
        end_blocking(c.waiting);
      }
    } at_exit{c};
    t_once_call = &c;
    r = call_detached(once, c);
  }
  if (thread_record *now = caller()) {
    const int error = errno;
    refresh_view(*now);
    errno = error;
  }
  return r;
}

// ------------------------------------------------------------------ threads

STMIFY_REAL(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *),
            nullptr)
STMIFY_REAL(int, pthread_join, (pthread_t, void **), nullptr)
STMIFY_REAL(int, pthread_tryjoin_np, (pthread_t, void **), nullptr)
STMIFY_REAL(int, pthread_timedjoin_np, (pthread_t, void **, const timespec *), nullptr)
STMIFY_REAL(int, pthread_clockjoin_np, (pthread_t, void **, clockid_t, const timespec *), nullptr)

// The new thread sees what its creator wrote before (it attaches, and so
// refreshes, when it first runs instrumented code); joining sees what the
// thread wrote (an exiting thread publishes).
extern "C" int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                              void *arg) {
  release(caller(), "pthread_create");
  return real_pthread_create()(thread, attr, start, arg);
}

extern "C" int pthread_join(pthread_t thread, void **result) {
  thread_record *t = acquirer("pthread_join");
  const int r = blocking(t, "pthread_join", [&] { return real_pthread_join()(thread, result); });
  if (r == 0)
    acquire(t, "pthread_join");
  return r;
}

extern "C" int pthread_tryjoin_np(pthread_t thread, void **result) {
  thread_record *t = acquirer("pthread_tryjoin_np");
  const int r = real_pthread_tryjoin_np()(thread, result);
  if (r == 0)
    acquire(t, "pthread_tryjoin_np");
  return r;
}

extern "C" int pthread_timedjoin_np(pthread_t thread, void **result, const timespec *until) {
  thread_record *t = acquirer("pthread_timedjoin_np");
  const int r = blocking(t, "pthread_timedjoin_np",
                         [&] { return real_pthread_timedjoin_np()(thread, result, until); });
  if (r == 0)
    acquire(t, "pthread_timedjoin_np");
  return r;
}

extern "C" int pthread_clockjoin_np(pthread_t thread, void **result, clockid_t clock,
                                    const timespec *until) {
  thread_record *t = acquirer("pthread_clockjoin_np");
  const int r = blocking(t, "pthread_clockjoin_np",
                         [&] { return real_pthread_clockjoin_np()(thread, result, clock, until); });
  if (r == 0)
    acquire(t, "pthread_clockjoin_np");
  return r;
}

// ------------------------------------------------------------------ sleeping and waiting

STMIFY_REAL(int, nanosleep, (const timespec *, timespec *), nullptr)
STMIFY_REAL(int, clock_nanosleep, (clockid_t, int, const timespec *, timespec *), nullptr)
STMIFY_REAL(int, usleep, (useconds_t), nullptr)
STMIFY_REAL(unsigned, sleep, (unsigned), nullptr)
STMIFY_REAL(int, pause, (), nullptr)
STMIFY_REAL(int, sigsuspend, (const sigset_t *), nullptr)
STMIFY_REAL(int, sigwait, (const sigset_t *, int *), nullptr)
STMIFY_REAL(int, sigwaitinfo, (const sigset_t *, siginfo_t *), nullptr)
STMIFY_REAL(int, sigtimedwait, (const sigset_t *, siginfo_t *, const timespec *), nullptr)
STMIFY_REAL(pid_t, waitpid, (pid_t, int *, int), nullptr)
STMIFY_REAL(pid_t, wait, (int *), nullptr)
STMIFY_REAL(int, waitid, (idtype_t, id_t, siginfo_t *, int), nullptr)

extern "C" int nanosleep(const timespec *duration, timespec *left) {
  return blocking(caller(), "nanosleep", [&] { return real_nanosleep()(duration, left); });
}

extern "C" int clock_nanosleep(clockid_t clock, int flags, const timespec *t, timespec *left) {
  return blocking(caller(), "clock_nanosleep",
                  [&] { return real_clock_nanosleep()(clock, flags, t, left); });
}

extern "C" int usleep(useconds_t us) {
  return blocking(caller(), "usleep", [&] { return real_usleep()(us); });
}

extern "C" unsigned sleep(unsigned seconds) {
  return blocking(caller(), "sleep", [&] { return real_sleep()(seconds); });
}

extern "C" int pause() {
  return blocking(caller(), "pause", [&] { return real_pause()(); });
}

extern "C" int sigsuspend(const sigset_t *mask) {
  return blocking(caller(), "sigsuspend", [&] { return real_sigsuspend()(mask); });
}

extern "C" int sigwait(const sigset_t *set, int *sig) {
  return blocking(caller(), "sigwait", [&] { return real_sigwait()(set, sig); });
}

extern "C" int sigwaitinfo(const sigset_t *set, siginfo_t *info) {
  return blocking(caller(), "sigwaitinfo", [&] { return real_sigwaitinfo()(set, info); });
}

extern "C" int sigtimedwait(const sigset_t *set, siginfo_t *info, const timespec *timeout) {
  return blocking(caller(), "sigtimedwait",
                  [&] { return real_sigtimedwait()(set, info, timeout); });
}

extern "C" pid_t waitpid(pid_t pid, int *status, int options) {
  thread_record *t = options & WNOHANG ? nullptr : caller();
  return blocking(t, "waitpid", [&] { return real_waitpid()(pid, status, options); });
}

extern "C" pid_t wait(int *status) {
  return blocking(caller(), "wait", [&] { return real_wait()(status); });
}

extern "C" int waitid(idtype_t type, id_t id, siginfo_t *info, int options) {
  thread_record *t = options & WNOHANG ? nullptr : caller();
  return blocking(t, "waitid", [&] { return real_waitid()(type, id, info, options); });
}

// ------------------------------------------------------------------ I/O

STMIFY_REAL(int, poll, (pollfd *, nfds_t, int), nullptr)
STMIFY_REAL(int, ppoll, (pollfd *, nfds_t, const timespec *, const sigset_t *), nullptr)
STMIFY_REAL(int, select, (int, fd_set *, fd_set *, fd_set *, timeval *), nullptr)
STMIFY_REAL(int, pselect, (int, fd_set *, fd_set *, fd_set *, const timespec *, const sigset_t *),
            nullptr)
STMIFY_REAL(int, epoll_wait, (int, epoll_event *, int, int), nullptr)
STMIFY_REAL(int, epoll_pwait, (int, epoll_event *, int, int, const sigset_t *), nullptr)
STMIFY_REAL(ssize_t, read, (int, void *, size_t), nullptr)
STMIFY_REAL(ssize_t, readv, (int, const iovec *, int), nullptr)
STMIFY_REAL(ssize_t, write, (int, const void *, size_t), nullptr)
STMIFY_REAL(ssize_t, writev, (int, const iovec *, int), nullptr)
STMIFY_REAL(ssize_t, recv, (int, void *, size_t, int), nullptr)
STMIFY_REAL(ssize_t, recvfrom, (int, void *, size_t, int, sockaddr *, socklen_t *), nullptr)
STMIFY_REAL(ssize_t, recvmsg, (int, msghdr *, int), nullptr)
STMIFY_REAL(ssize_t, send, (int, const void *, size_t, int), nullptr)
STMIFY_REAL(ssize_t, sendto, (int, const void *, size_t, int, const sockaddr *, socklen_t), nullptr)
STMIFY_REAL(ssize_t, sendmsg, (int, const msghdr *, int), nullptr)
STMIFY_REAL(int, accept, (int, sockaddr *, socklen_t *), nullptr)
STMIFY_REAL(int, accept4, (int, sockaddr *, socklen_t *, int), nullptr)
STMIFY_REAL(int, connect, (int, const sockaddr *, socklen_t), nullptr)

namespace {
// A call whose buffer lies in a managed object (written through the object's
// write barrier) keeps the segment that buffer is in: the thread only counts
// as stopped meanwhile.
template <class F> auto io(const char *call, const void *buffer, bool fills, F &&real) {
  thread_record *t = caller();
  if (!t)
    return real();
  if (g_heap.sanitizer)
    check_call_buffer(buffer, fills, call);
  if (in_managed_heap(buffer))
    return run_blocking(call, real, true);
  return run_blocking(call, real);
}
} // namespace

extern "C" int poll(pollfd *fds, nfds_t n, int timeout) {
  thread_record *t = timeout == 0 ? nullptr : caller();
  return blocking(t, "poll", [&] { return real_poll()(fds, n, timeout); });
}

extern "C" int ppoll(pollfd *fds, nfds_t n, const timespec *timeout, const sigset_t *mask) {
  return blocking(caller(), "ppoll", [&] { return real_ppoll()(fds, n, timeout, mask); });
}

extern "C" int select(int n, fd_set *r, fd_set *w, fd_set *e, timeval *timeout) {
  return blocking(caller(), "select", [&] { return real_select()(n, r, w, e, timeout); });
}

extern "C" int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const timespec *timeout,
                       const sigset_t *mask) {
  return blocking(caller(), "pselect", [&] { return real_pselect()(n, r, w, e, timeout, mask); });
}

extern "C" int epoll_wait(int fd, epoll_event *events, int n, int timeout) {
  thread_record *t = timeout == 0 ? nullptr : caller();
  return blocking(t, "epoll_wait", [&] { return real_epoll_wait()(fd, events, n, timeout); });
}

extern "C" int epoll_pwait(int fd, epoll_event *events, int n, int timeout, const sigset_t *mask) {
  thread_record *t = timeout == 0 ? nullptr : caller();
  return blocking(t, "epoll_pwait",
                  [&] { return real_epoll_pwait()(fd, events, n, timeout, mask); });
}

extern "C" ssize_t read(int fd, void *buffer, size_t n) {
  return io("read", buffer, true, [&] { return real_read()(fd, buffer, n); });
}

extern "C" ssize_t readv(int fd, const iovec *v, int n) {
  return io("readv", n > 0 ? v[0].iov_base : nullptr, true, [&] { return real_readv()(fd, v, n); });
}

extern "C" ssize_t write(int fd, const void *buffer, size_t n) {
  return io("write", buffer, false, [&] { return real_write()(fd, buffer, n); });
}

extern "C" ssize_t writev(int fd, const iovec *v, int n) {
  return io("writev", n > 0 ? v[0].iov_base : nullptr, false,
            [&] { return real_writev()(fd, v, n); });
}

extern "C" ssize_t recv(int fd, void *buffer, size_t n, int flags) {
  return io("recv", buffer, true, [&] { return real_recv()(fd, buffer, n, flags); });
}

extern "C" ssize_t recvfrom(int fd, void *buffer, size_t n, int flags, sockaddr *from,
                            socklen_t *length) {
  return io("recvfrom", buffer, true,
            [&] { return real_recvfrom()(fd, buffer, n, flags, from, length); });
}

extern "C" ssize_t recvmsg(int fd, msghdr *message, int flags) {
  const void *buffer = message && message->msg_iovlen ? message->msg_iov[0].iov_base : nullptr;
  return io("recvmsg", buffer, true, [&] { return real_recvmsg()(fd, message, flags); });
}

extern "C" ssize_t send(int fd, const void *buffer, size_t n, int flags) {
  return io("send", buffer, false, [&] { return real_send()(fd, buffer, n, flags); });
}

extern "C" ssize_t sendto(int fd, const void *buffer, size_t n, int flags, const sockaddr *to,
                          socklen_t length) {
  return io("sendto", buffer, false,
            [&] { return real_sendto()(fd, buffer, n, flags, to, length); });
}

extern "C" ssize_t sendmsg(int fd, const msghdr *message, int flags) {
  const void *buffer = message && message->msg_iovlen ? message->msg_iov[0].iov_base : nullptr;
  return io("sendmsg", buffer, false, [&] { return real_sendmsg()(fd, message, flags); });
}

extern "C" int accept(int fd, sockaddr *address, socklen_t *length) {
  return blocking(caller(), "accept", [&] { return real_accept()(fd, address, length); });
}

extern "C" int accept4(int fd, sockaddr *address, socklen_t *length, int flags) {
  return blocking(caller(), "accept4", [&] { return real_accept4()(fd, address, length, flags); });
}

// ------------------------------------------------------------------ function-local statics

// ThreadSanitizer defines these two functions itself (not weakly), so a
// runtime built with it leaves them to it: what follows is then not done.
#if !__has_feature(thread_sanitizer)

// The Itanium C++ ABI's guard of a function-local static: its first byte is
// set once the static is initialised.
using static_guard = std::uint64_t;

STMIFY_REAL(int, __cxa_guard_acquire, (static_guard *), nullptr)
STMIFY_REAL(void, __cxa_guard_release, (static_guard *), nullptr)

// The end of a static's initialisation is a release edge and the return of a
// wait for it an acquire edge: a thread that waited here for another to
// initialise the static sees what the initialiser wrote (the C++ memory model
// says so; it read unpublished objects before). The release publishes only
// when it need not wait: an inevitable transaction that waits for this very
// guard may have read what the initialiser wrote, and publishing would wait
// for it. Taking the guard does not make an atomic block inevitable: stmify's
// own headers initialise statics at the first stm::make of a type, and an
// atomic_cancel could then no longer throw. Two gaps remain
// (docs/architecture.md §8): a thread that finds the static initialised by
// the compiler's inline test gets no edge here, and an atomic block that
// initialises a static keeps it initialised if it aborts.
extern "C" int __cxa_guard_acquire(static_guard *guard) {
  const int initialise = real___cxa_guard_acquire()(guard);
  if (!initialise)
    if (thread_record *t = caller()) {
      const int error = errno;
      refresh_view(*t);
      errno = error;
    }
  return initialise;
}

extern "C" void __cxa_guard_release(static_guard *guard) {
  if (thread_record *t = caller()) {
    const int error = errno;
    release_without_waiting(*t);
    errno = error;
  }
  real___cxa_guard_release()(guard);
}

#endif

extern "C" int connect(int fd, const sockaddr *address, socklen_t length) {
  return blocking(caller(), "connect", [&] { return real_connect()(fd, address, length); });
}

// ------------------------------------------------------------------ futexes

STMIFY_REAL(long, syscall, (long, ...), nullptr)

// std::atomic::wait, std::latch, std::barrier, std::counting_semaphore and
// std::future wait on a futex through syscall(2); the edges of their
// operations are handled where the operations are (stm::detail::synchronizing).
//
// Six arguments are read whatever the caller passed, as the C library's
// syscall does. The sixth is on the stack: when fewer were passed, it is a word
// of the caller's frame, which AddressSanitizer may have poisoned as a redzone
// (libstdc++'s guard for a function-local static passes four arguments).
extern "C" __attribute__((no_sanitize("address"))) long syscall(long number, ...) {
  va_list args;
  va_start(args, number);
  long a[6];
  for (long &x : a)
    x = va_arg(args, long);
  va_end(args);
  auto real = [&] { return real_syscall()(number, a[0], a[1], a[2], a[3], a[4], a[5]); };
  if (number != SYS_futex)
    return real();
  switch (a[1] & FUTEX_CMD_MASK) {
  case FUTEX_WAIT:
  case FUTEX_WAIT_BITSET:
  case FUTEX_LOCK_PI:
  case FUTEX_LOCK_PI2:
  case FUTEX_WAIT_REQUEUE_PI:
    return blocking(caller(), "futex wait", real);
  default:
    return real();
  }
}

// Resolves every real function now (so that no interceptor looks one up later,
// with locks held or in a signal handler), and keeps this file in every
// program that links the runtime: its definitions must override the C
// library's, and a sanitizer's, which define the same names weakly.
void stm::rt::install_interceptors() noexcept {
  real_pthread_mutex_lock();
  real_pthread_mutex_trylock();
  real_pthread_mutex_timedlock();
  real_pthread_mutex_clocklock();
  real_pthread_mutex_unlock();
  real_pthread_rwlock_rdlock();
  real_pthread_rwlock_wrlock();
  real_pthread_rwlock_tryrdlock();
  real_pthread_rwlock_trywrlock();
  real_pthread_rwlock_timedrdlock();
  real_pthread_rwlock_timedwrlock();
  real_pthread_rwlock_clockrdlock();
  real_pthread_rwlock_clockwrlock();
  real_pthread_rwlock_unlock();
  real_pthread_spin_lock();
  real_pthread_spin_trylock();
  real_pthread_spin_unlock();
  real_pthread_cond_wait();
  real_pthread_cond_timedwait();
  real_pthread_cond_clockwait();
  real_pthread_barrier_wait();
  real_sem_wait();
  real_sem_trywait();
  real_sem_timedwait();
  real_sem_clockwait();
  real_sem_post();
  real_pthread_create();
  real_pthread_join();
  real_pthread_tryjoin_np();
  real_pthread_timedjoin_np();
  real_pthread_clockjoin_np();
  real_pthread_once();
#if !__has_feature(thread_sanitizer)
  real___cxa_guard_acquire();
  real___cxa_guard_release();
#endif
  real_nanosleep();
  real_clock_nanosleep();
  real_usleep();
  real_sleep();
  real_pause();
  real_sigsuspend();
  real_sigwait();
  real_sigwaitinfo();
  real_sigtimedwait();
  real_waitpid();
  real_wait();
  real_waitid();
  real_poll();
  real_ppoll();
  real_select();
  real_pselect();
  real_epoll_wait();
  real_epoll_pwait();
  real_read();
  real_readv();
  real_write();
  real_writev();
  real_recv();
  real_recvfrom();
  real_recvmsg();
  real_send();
  real_sendto();
  real_sendmsg();
  real_accept();
  real_accept4();
  real_connect();
  real_syscall();
}
