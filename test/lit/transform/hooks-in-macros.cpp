// Hooks for code written in macro bodies: never a statement at namespace or
// class scope; around the macro's expansion when it is a whole expression (a
// member initializer, a default argument); none for reading errno (this
// thread's own variable). A function whose body a macro writes is not
// instrumented: its callers become inevitable before they call it.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror %s %stmify_runtime -pthread -o %t/hooks
// RUN: %t/hooks | FileCheck --check-prefix=OUTPUT %s
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include > %t/hooks.cpp
// RUN: %gxx -std=c++17 -Wall -Wextra -Werror -D__STMIFY__=1 -I%stmify_include -fsyntax-only %t/hooks.cpp
#include <stmify/stm.hpp>
#include <cerrno>
#include <cstdio>

#define DEFINE_GREETER(name)                                                                       \
  inline void name() { std::puts(#name); }
namespace greeters {
DEFINE_GREETER(hello)
}
// CHECK: namespace greeters {
// CHECK-NEXT: DEFINE_GREETER(hello)
// CHECK-NEXT: }

#define LOGGED(v) (std::puts("logged"), (v))

struct ErrnoGuard {
  int saved;
  long size;
  ErrnoGuard() : saved(errno), size(LOGGED(3)) {}
  // CHECK: ErrnoGuard() : saved(errno), size((stm::detail::inevitable_hook("call to 'puts' at {{[^"]*}}"), LOGGED(3))) {}
  ~ErrnoGuard() { errno = saved; }
};

int with_default(int x = errno, long y = LOGGED(4)) { return x + static_cast<int>(y); }
// CHECK: int with_default(int x = errno, long y = (stm::detail::inevitable_hook("call to 'puts' at {{[^"]*}}"), LOGGED(4))) { return x + static_cast<int>(y); }

struct Node : stm::object {
  long value = 0;
};

int main() {
  Node *n = stm::make<Node>();
  stm::atomic([&] {
    greeters::hello();
    // CHECK: (stm::detail::inevitable_hook("call to 'greeters::hello' at {{[^"]*}}"), greeters::hello());
    ErrnoGuard guard;
    n->value = with_default(0);
  });
  std::printf("%ld\n", n->value);
}
// OUTPUT: hello
// OUTPUT-NEXT: logged
// OUTPUT-NEXT: logged
// OUTPUT-NEXT: 4
