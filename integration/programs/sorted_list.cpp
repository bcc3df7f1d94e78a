// A sorted linked-list set shared by several threads (std::thread), each
// inserting its own keys and querying others'. Inserts of distinct keys
// commute, so the final list is the same in every serial order.
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>
#include <vector>

struct Node : stm::object {
  long key = 0;
  Node *next = nullptr;
};

struct List : stm::object {
  Node *head = nullptr;
  long size = 0;

  bool insert(long key) {
    Node *prev = nullptr;
    Node *cur = head;
    while (cur && cur->key < key) {
      prev = cur;
      cur = cur->next;
    }
    if (cur && cur->key == key)
      return false;
    Node *n = stm::make<Node>();
    n->key = key;
    n->next = cur;
    if (prev)
      prev->next = n;
    else
      head = n;
    ++size;
    return true;
  }

  bool contains(long key) const {
    for (Node *cur = head; cur && cur->key <= key; cur = cur->next)
      if (cur->key == key)
        return true;
    return false;
  }
};

int main() {
  List *list = stm::make<List>();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([list, t] {
      for (long i = 0; i < 300; ++i) {
        long key = i * 4 + t;
        stm::atomic([&] { list->insert(key); });
        stm::atomic([&] { return list->contains(key); });
      }
    });
  for (auto &th : threads)
    th.join();
  long count = 0, sum = 0, previous = -1;
  bool sorted = true;
  for (Node *n = list->head; n; n = n->next) {
    sorted = sorted && n->key > previous;
    previous = n->key;
    ++count;
    sum += n->key;
  }
  std::printf("size %ld counted %ld sum %ld sorted %s\n", list->size, count, sum,
              sorted ? "yes" : "no");
  return sorted && count == 1200 && list->size == count ? 0 : 1;
}
