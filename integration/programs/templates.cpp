// Class and function templates over managed types: a generic stack and a
// generic sum, instantiated for two element types.
#include <stmify/stm.hpp>

#include <cstdio>
#include <thread>
#include <vector>

template <class T> struct StackNode : stm::object {
  T value{};
  StackNode *below = nullptr;
};

template <class T> struct Stack : stm::object {
  StackNode<T> *top = nullptr;
  long size = 0;

  void push(T v) {
    StackNode<T> *n = stm::make<StackNode<T>>();
    n->value = v;
    n->below = top;
    top = n;
    ++size;
  }
};

template <class T> T sum(const Stack<T> *s) {
  T total{};
  for (StackNode<T> *n = s->top; n; n = n->below)
    total += n->value;
  return total;
}

int main() {
  Stack<long> *longs = stm::make<Stack<long>>();
  Stack<double> *doubles = stm::make<Stack<double>>();
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([=] {
      for (int i = 0; i < 500; ++i)
        stm::atomic([&] {
          longs->push(i * 3 + t);
          doubles->push(0.5 * (i + t));
        });
    });
  for (auto &th : threads)
    th.join();
  std::printf("longs %ld sum %ld doubles %ld sum %.1f\n", longs->size, sum(longs), doubles->size,
              sum(doubles));
  return longs->size == 1500 && doubles->size == 1500 ? 0 : 1;
}
