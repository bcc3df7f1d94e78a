// Programs that hand managed objects to library code and read large array
// fields: std::invoke and std::mem_fn with member pointers, and read-only
// range-for loops over array fields of 16 MiB (a copy of one would not fit
// on the stack).
#include <stmify/stm.hpp>

#include <array>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

struct Counter : stm::object {
  long value = 0;
  long twice() const { return 2 * value; }
};

constexpr std::size_t kCells = 2 * 1024 * 1024; // 16 MiB of longs

struct Table : stm::object {
  long cells[kCells];
  std::array<long, 4> small{};
};

long total(const Table *t) {
  long sum = 0;
  for (long cell : t->cells)
    sum += cell;
  for (long cell : t->small)
    sum += cell;
  return sum;
}

int main() {
  Counter *counter = stm::make<Counter>();
  auto value_of = std::mem_fn(&Counter::value);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([=] {
      for (int i = 0; i < 500; ++i)
        stm::atomic([&] {
          std::invoke(&Counter::value, counter) += 1;
          (void)value_of(counter);
        });
    });
  for (auto &th : threads)
    th.join();
  long through_invoke = std::invoke(&Counter::value, counter);
  long through_mem_fn = value_of(counter);
  long through_method = std::invoke(&Counter::twice, counter);

  Table *table = stm::make<Table>();
  for (std::size_t i = 0; i < kCells; i += 4096)
    table->cells[i] = static_cast<long>(i % 7);
  table->small[1] = 10;
  long expected = 10;
  for (std::size_t i = 0; i < kCells; i += 4096)
    expected += static_cast<long>(i % 7);
  long sum = stm::atomic([&] { return total(table); });
  long read_outside = total(table);
  std::printf("invoke %ld mem_fn %ld method %ld table %ld %ld expected %ld\n", through_invoke,
              through_mem_fn, through_method, sum, read_outside, expected);
  return through_invoke == 1000 && through_mem_fn == 1000 && sum == expected &&
                 read_outside == expected
             ? 0
             : 1;
}
