#include "node.h"

#include <cstdio>

int main() {
  Node *a = stm::make<Node>();
  Node *b = stm::make<Node>();
  stm::atomic([&] {
    a->value = 40;
    b->value = 2;
    a->next = b;
  });
  std::printf("sum %ld\n", a->sum());
  return a->sum() == 42 ? 0 : 1;
}
