// std::shared_mutex: writers replace entries of a shared table with new
// managed entries under a std::unique_lock, readers check every entry under
// a std::shared_lock (an entry's check field always matches its value).
// Then the writers' work as queued tasks that lock inside their atomic
// blocks.
#include "idiom.h"

#include <array>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

constexpr int slots = 16;
constexpr int writers = 2;
constexpr int readers = 3;
constexpr int writes_per_writer = 300;
constexpr int reads_per_reader = 300;

struct Entry : stm::object {
  long value;
  long check;
  long version;
  Entry(long value, long version) : value(value), check(value * 3 + 1), version(version) {}
};

std::shared_mutex table_lock;
std::array<Entry *, slots> table;

void write_entry(int slot, long value) {
  Entry *replacement = nullptr;
  {
    std::shared_lock<std::shared_mutex> read(table_lock);
    replacement = stm::make<Entry>(value, table[slot]->version + 1);
  }
  std::unique_lock<std::shared_mutex> exclusive(table_lock);
  replacement->version = table[slot]->version + 1;
  table[slot] = replacement;
}

long read_all() {
  std::shared_lock<std::shared_mutex> read(table_lock);
  long bad = 0;
  for (Entry *entry : table)
    bad += entry->check != entry->value * 3 + 1;
  return bad;
}

} // namespace

int main() {
  for (Entry *&entry : table)
    entry = stm::make<Entry>(0, 0);
  std::vector<std::thread> threads;
  std::array<long, readers> bad{};
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([w] {
      for (int i = 0; i < writes_per_writer; ++i) {
        write_entry((w * 7 + i) % slots, 1000 * w + i);
        idiom::churn(10);
      }
    });
  for (int r = 0; r < readers; ++r)
    threads.emplace_back([r, &bad] {
      for (int i = 0; i < reads_per_reader; ++i)
        bad[r] += read_all();
    });
  for (std::thread &t : threads)
    t.join();
  long versions = 0;
  for (Entry *entry : table)
    versions += entry->version;
  std::printf("threads: %ld writes, %ld bad reads\n", versions, bad[0] + bad[1] + bad[2]);

  stm::transaction_queue tq;
  for (int i = 0; i < 400; ++i)
    tq.add(
        [](int slot, long value) {
          write_entry(slot, value);
          idiom::churn(10);
        },
        i % slots, i);
  tq.run();
  versions = 0;
  for (Entry *entry : table)
    versions += entry->version;
  std::printf("tasks: %ld writes, %ld bad reads\n", versions, read_all());
  idiom::report_collections();
}
