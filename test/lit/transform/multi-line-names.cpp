// A hook names the call it precedes; a callee written over several lines is
// named on one line, so that the instrumented text keeps the original lines.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <string>

template <class Text> void shout(Text &t) {
  t.append("!")
      .append("!");
}
// CHECK: (stm::detail::inevitable_hook("call to 't.append(\"!\") .append' at {{[^"]*}}"), (stm::detail::inevitable_hook("call to 't.append' at {{[^"]*}}"), stm::loc(stm::loc(t).append("!")))
// CHECK-NEXT: .append("!"));

void use(std::string &s) { shout(s); }
