// Inevitability hooks: library calls (except known-safe ones and those
// marked STM_TX_SAFE), writes to globals and through unmanaged pointers,
// volatile; blocking calls and thread starts; synchronising operations that
// run inline (std::atomic) are marked so that the runtime sees them.
// RUN: %clangxx -fplugin=%plugin -std=c++17 -I%stmify_include -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only %s
// RUN: %check_rewrite %s %t -- -std=c++17 -I%stmify_include
#include <stmify/stm.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

struct Item : stm::object {
  long v = 0;
};

long g_total;
std::atomic<long> g_events;
volatile int g_flag;
STM_TX_SAFE long pure(long x);
std::vector<long> g_log;

void work(Item *it, long *out, std::vector<long> &shared) {
  std::printf("%ld\n", it->v);
  // CHECK: (stm::detail::inevitable_hook("call to 'printf' at {{[^"]*}}"), std::printf("%ld\n", stm::rd(it)->v));
  long m = std::max(it->v, 3L) + (long)std::sqrt(4.0) + pure(1);
  // CHECK: long m = std::max(stm::detail::read_again(it)->v, 3L) + (long)std::sqrt(4.0) + pure(1);
  g_total = m;
  // CHECK: (stm::detail::inevitable_hook("write to 'g_total' at {{[^"]*}}"), g_total = m);
  *out = m;
  // CHECK: (stm::detail::inevitable_hook("write to memory outside the managed heap at {{[^"]*}}"), *out = m);
  g_events.fetch_add(1);
  // CHECK: stm::detail::synchronizing("std::__atomic_base::fetch_add at {{[^"]*}}", [&]() -> decltype(auto) { return g_events.fetch_add(1); });
  g_flag = 1;
  // CHECK: (stm::detail::inevitable_hook("write to 'g_flag' at {{[^"]*}}"), g_flag = 1);
  int flag = g_flag;
  // CHECK: int flag = (stm::detail::inevitable_hook("volatile read at {{[^"]*}}"), g_flag);
  long first = shared[0] + (long)shared.size() + flag;
  // CHECK: long first = shared[0] + (long)shared.size() + flag;
  shared[0] = first;
  // CHECK: (stm::detail::inevitable_hook("write through reference 'shared' at {{[^"]*}}"), shared[0] = first);
  shared.push_back(first);
  // CHECK: (stm::detail::inevitable_hook("call to 'std::vector::push_back' at {{[^"]*}}"), shared.push_back(first));
  std::vector<long> mine;
  mine.push_back(first);
  // CHECK: mine.push_back(first);
}

void threads(std::mutex &m) {
  std::thread t([] {});
  // CHECK: stm::detail::inevitable_hook("thread start at {{[^"]*}}"); std::thread t([] {});
  m.lock();
  // CHECK: (stm::detail::inevitable_hook("call to 'std::mutex::lock' at {{[^"]*}}"), m.lock());
  m.unlock();
  t.join();
  // CHECK: (stm::detail::inevitable_hook("call to 'std::thread::join' at {{[^"]*}}"), t.join());
  std::thread local([] {});
  local.join();
  // CHECK: (stm::detail::inevitable_hook("call to 'std::thread::join' at {{[^"]*}}"), local.join());
}

void quiet(Item *it) noexcept { std::puts("x"); it->v = 1; g_events.store(0); }
// CHECK: void quiet(Item *it) noexcept { stm::detail::nothrow_scope __stmify_nothrow; (stm::detail::inevitable_hook("call to 'puts' at {{[^"]*}}", false), std::puts("x")); stm::wr(it, "{{[^"]*}}")->v = 1; stm::detail::synchronizing("std::__atomic_base::store at {{[^"]*}}", false, [&]() -> decltype(auto) { return g_events.store(0); }); }

long owned_containers() {
  std::vector<long> mine(4);
  mine[1] = 2;
  // CHECK: mine[1] = 2;
  mine.back() += 1;
  // CHECK: mine.back() += 1;
  return mine[1];
}

#include <memory>
long fresh_objects() {
  auto one = std::make_unique<long>(1);
  auto two = std::make_shared<long>(2);
  // CHECK: auto one = std::make_unique<long>(1);
  // CHECK-NEXT: auto two = std::make_shared<long>(2);
  return *one + *two;
}

struct Buffer {
  long *data = nullptr;
  ~Buffer() { delete[] data; }
  // CHECK: ~Buffer() { delete[] data; }
};

void release(long *p) { delete p; }
// CHECK: void release(long *p) { (stm::detail::inevitable_hook("delete at {{[^"]*}}"), delete p); }

#include <algorithm>
long local_algorithms(Item *it, std::vector<long> &shared) {
  std::vector<long> mine = {3, 1, 2};
  std::sort(mine.begin(), mine.end(), [&](long a, long b) { return a + it->v < b; });
  // CHECK: std::sort(mine.begin(), mine.end(), [&](long a, long b) { return a + stm::rd(it)->v < b; });
  std::sort(shared.begin(), shared.end());
  // CHECK: (stm::detail::inevitable_hook("call to 'std::sort' at {{[^"]*}}"), std::sort(shared.begin(), shared.end()));
  auto middle = mine.begin() + 1;
  std::reverse(mine.begin(), middle);
  // CHECK: (stm::detail::inevitable_hook("call to 'std::reverse' at {{[^"]*}}"), std::reverse(mine.begin(), middle));
  return *std::max_element(mine.begin(), mine.end());
  // CHECK: return *std::max_element(mine.begin(), mine.end());
}

void log_quietly(long v) noexcept { std::printf("%ld\n", v); }
void log_twice(long v) noexcept { log_quietly(v); log_quietly(v + 1); }
long caller(Item *it) {
  log_twice(it->v);
  return it->v;
}
// An abort cannot leave a noexcept function: its callers become inevitable first.
// CHECK: void log_twice(long v) noexcept { stm::detail::nothrow_scope __stmify_nothrow; log_quietly(v); log_quietly(v + 1); }
// CHECK: (stm::detail::inevitable_hook("call to 'log_twice', which is noexcept and needs inevitability, at {{[^"]*}}"), log_twice(stm::rd(it)->v));

// Algorithms that only read through their iterators need no inevitability,
// wherever the iterators point, when their other arguments are values or
// the program's own function objects; code the transformer does not see
// (a std::function) or input they consume (a stream iterator) does.
#include <functional>
#include <iterator>
#include <numeric>
#include <sstream>
long read_only_algorithms(Item *it, const std::vector<long> &shared,
                          const std::function<bool(long)> &wanted, std::istringstream &in) {
  long n = std::count(shared.begin(), shared.end(), it->v);
  // CHECK: long n = std::count(shared.begin(), shared.end(), stm::rd(it)->v);
  n += std::count_if(shared.begin(), shared.end(), [&](long x) { return x > it->v; });
  // CHECK: n += std::count_if(shared.begin(), shared.end(), [&](long x) { return x > stm::rd(it)->v; });
  n += std::accumulate(shared.begin(), shared.end(), 0L);
  // CHECK: n += std::accumulate(shared.begin(), shared.end(), 0L);
  n += std::binary_search(shared.rbegin(), shared.rend(), n);
  // CHECK: n += std::binary_search(shared.rbegin(), shared.rend(), n);
  n += std::count_if(shared.begin(), shared.end(), wanted);
  // CHECK: n += (stm::detail::inevitable_hook("call to 'std::count_if' at {{[^"]*}}"), std::count_if(shared.begin(), shared.end(), wanted));
  n += std::count(std::istream_iterator<long>(in), std::istream_iterator<long>(), 3L);
  // CHECK: n += (stm::detail::inevitable_hook("call to 'std::count' at {{[^"]*}}"), std::count(std::istream_iterator<long>(in), std::istream_iterator<long>(), 3L));
  return n;
}

long swapped(long x, long y) {
  std::swap(x, y);
  // CHECK: (stm::detail::inevitable_hook("call to 'std::swap' at {{[^"]*}}"), std::swap(x, y));
  return x;
}
