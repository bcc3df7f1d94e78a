// Managed objects passed by reference keep their identity: &a is the pointer
// the caller holds, a pointer stored through a reference compares equal to
// it everywhere, a set of addresses taken from references has one entry per
// object whichever thread took them, and a self-assignment check fires.
#include <stmify/stm.hpp>

#include <cstdio>
#include <set>
#include <thread>
#include <vector>

struct Node : stm::object {
  long value = 0;
  Node *next = nullptr;
};

void link(Node &from, Node &to) { from.next = &to; }
bool is(const Node &n, const Node *p) { return &n == p; }
long assign(Node &to, const Node &from) {
  if (&to == &from)
    return 1; // self-assignment: nothing to do
  to.value = from.value;
  return 0;
}

std::set<const Node *> seen;
void remember(const Node &n) { seen.insert(&n); }

int main() {
  constexpr int kThreads = 4, kNodes = 16;
  std::vector<Node *> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.push_back(stm::make<Node>());
    nodes.back()->value = i;
  }
  std::vector<long> identical(kThreads), self(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round)
        for (int i = t; i < kNodes; i += kThreads)
          stm::atomic([&] {
            Node *n = nodes[i];
            link(*n, *nodes[(i + 1) % kNodes]);
            identical[t] += is(*n, n);
            self[t] += assign(*n, *n);
            remember(*n);
          });
    });
  for (auto &th : threads)
    th.join();
  long linked = 0, same = 0, selves = 0;
  for (int i = 0; i < kNodes; ++i)
    linked += nodes[i]->next == nodes[(i + 1) % kNodes];
  for (int t = 0; t < kThreads; ++t) {
    same += identical[t];
    selves += self[t];
  }
  std::printf("linked %ld identical %ld self %ld remembered %zu\n", linked, same, selves,
              seen.size());
  long blocks = 200L * kNodes;
  return linked == kNodes && same == blocks && selves == blocks && seen.size() == kNodes ? 0 : 1;
}
