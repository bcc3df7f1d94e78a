// Trace functions read fields whatever lock guards them (the collector runs
// while every thread is stopped): clang's thread safety analysis is kept out
// of them, without an attribute g++ would warn about.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wthread-safety -fsyntax-only %s
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include > %t/out.cpp
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %clangxx -std=c++17 -Wall -Wextra -Werror -Wthread-safety -D__STMIFY__=1 -I%stmify_include -fsyntax-only %t/out.cpp
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -fsyntax-only %t/out.cpp
#include <stmify/stm.hpp>

#if defined(__clang__)
#define CAPABILITY(x) __attribute__((capability(x)))
#define ACQUIRE() __attribute__((acquire_capability()))
#define RELEASE() __attribute__((release_capability()))
#define GUARDED_BY(x) __attribute__((guarded_by(x)))
#else
#define CAPABILITY(x)
#define ACQUIRE()
#define RELEASE()
#define GUARDED_BY(x)
#endif

struct CAPABILITY("mutex") Mutex {
  void lock() ACQUIRE();
  void unlock() RELEASE();
};

struct Node : stm::object {
  long value = 0;
};

struct Registry {
  Mutex mu;
  Node *head GUARDED_BY(mu) = nullptr;
  Node *pair[2] GUARDED_BY(mu) = {};
};
// CHECK: {{.*}}STMIFY_DETAIL_NO_THREAD_SAFETY_ANALYSIS static void __stmify_trace({{.*}}

struct Shelf : stm::object {
  Registry registry;
};
Shelf *make_shelf() { return stm::make<Shelf>(); }
