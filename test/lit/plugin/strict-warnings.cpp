// stmify's headers, and the text the transformer inserts, compile without a
// warning under the strict flags projects build with, also when the headers
// are found with -I (not as system headers): with the plugin, as the tool's
// output compiled by g++, and as the no-plugin build.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Wconversion -Wsign-conversion -Wshorten-64-to-32 -Wshadow -Wold-style-cast -Wcast-qual -Wpedantic -Wundef -Wdouble-promotion -Wcomma -Wextra-semi -Werror -fsyntax-only %s
// RUN: %stmify --stdout %s -- -std=c++17 -I%stmify_include > %t/instrumented.cpp
// RUN: %gxx -std=c++17 -D__STMIFY__=1 -I%stmify_include -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast -Wcast-qual -Wpedantic -Wundef -Wdouble-promotion -Wuseless-cast -Werror -fsyntax-only %t/instrumented.cpp
// RUN: %gxx -std=c++17 -I%stmify_include -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast -Wcast-qual -Wpedantic -Wundef -Wdouble-promotion -Wuseless-cast -Werror -fsyntax-only %s
#include <stmify/stm.hpp>

#include <cstdio>
#include <optional>
#include <unordered_set>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
};

// The library's templates, instantiated.
struct Clerk : stm::object {
  stm::string name;
  stm::thread_local_property<long> served{[] { return 0L; }};
};

long serve(Clerk *c, stm::queue<long> &q) {
  return stm::atomic([&] {
    q.put(1);
    std::optional<long> next = q.try_get();
    stm::string greeting = c->name + ", next";
    greeting += '!';
    c->served.get() += 1;
    return (next ? *next : 0) + c->served.get() + static_cast<long>(greeting.size()) +
           (greeting == "a") + (greeting < c->name);
  });
}

struct ByIdentity {
  std::size_t operator()(const Node *n) const noexcept { return stm::hash(n); }
};

int main() {
  Node *head = stm::make<Node>();
  stm::atomic([&] {
    head->value += 1;
    head->next = stm::make<Node>();
  });
  std::unordered_set<Node *, ByIdentity> seen{head};
  stm::transaction_queue queue;
  for (int i = 0; i < 4; ++i)
    queue.add([&, i] {
      for (Node *n = head; n; n = n->next)
        n->value += i;
    });
  queue.run();
  long bytes = stm::stats().live_bytes > 0 ? 1 : 0;
  stm::queue<long> waiting;
  Clerk *clerk = stm::make<Clerk>();
  clerk->name = "Ada";
  std::printf("%ld %zu %ld %ld\n", head->value, seen.size(), bytes, serve(clerk, waiting));
}
