// Two threads increment one shared counter in atomic blocks.
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>

struct Counter : stm::object {
  long value = 0;
};

int main() {
  Counter *c = stm::make<Counter>();
  auto work = [c] {
    for (int i = 0; i < 10000; ++i)
      stm::atomic([&] { c->value += 1; });
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  std::printf("counter %ld (%s)\n", c->value, stm::instrumented ? "instrumented" : "fallback");
  return c->value == 20000 ? 0 : 1;
}
