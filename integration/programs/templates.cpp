// Class and function templates over managed types: a generic stack, a generic
// sum, and a generic drain whose atomic block lives in a function template
// (it binds a reference to a field and writes a local of the caller's frame),
// instantiated for two element types while other threads push.
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
  long pushed = 0;

  void push(T v) {
    StackNode<T> *n = stm::make<StackNode<T>>();
    n->value = v;
    n->below = top;
    top = n;
    ++size;
    ++pushed;
  }
};

template <class T> T sum(const Stack<T> *s) {
  T total{};
  for (StackNode<T> *n = s->top; n; n = n->below)
    total += n->value;
  return total;
}

// Empties the stack and returns what it held, all in one atomic block.
template <class T> T drain(Stack<T> *s) {
  T drained{};
  stm::atomic([&] {
    drained += sum(s);
    long &size = s->size;
    size = 0;
    s->top = nullptr;
  });
  return drained;
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
  long drained_longs = 0;
  double drained_doubles = 0;
  threads.emplace_back([&] {
    for (int k = 0; k < 40; ++k) {
      drained_longs += drain(longs);
      drained_doubles += drain(doubles);
    }
  });
  for (auto &th : threads)
    th.join();
  drained_longs += drain(longs);
  drained_doubles += drain(doubles);
  std::printf("longs %ld sum %ld doubles %ld sum %.1f\n", longs->pushed, drained_longs,
              doubles->pushed, drained_doubles);
  return longs->pushed == 1500 && doubles->pushed == 1500 && longs->size == 0 ? 0 : 1;
}
