// The out-of-line members of Bag.
#include "bag.h"
void Bag::add(long v) {
  Item *i = stm::make<Item>();
  i->value = v;
  i->next = head;
  head = i;
  ++count;
}
long Bag::total() const {
  long s = 0;
  each([&](long v) { s += v; });
  return s;
}
