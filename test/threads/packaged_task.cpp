// std::packaged_task: tasks that take a managed matrix row and return a new
// managed result run on their own threads; main gets the results through
// their futures.
#include "idiom.h"

#include <future>
#include <thread>
#include <utility>
#include <vector>

namespace {

struct Row : stm::object {
  long cells[8];
  explicit Row(long seed) {
    for (int i = 0; i < 8; ++i)
      cells[i] = seed = seed * 17 % 101;
  }
};

struct Result : stm::object {
  long dot = 0;
};

Result *dot_with_itself(Row *row) {
  Result *result = stm::make<Result>();
  for (long cell : row->cells)
    result->dot += cell * cell;
  idiom::churn(50);
  return result;
}

} // namespace

int main() {
  long sum = 0;
  for (int round = 0; round < 20; ++round) {
    std::vector<std::future<Result *>> results;
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      std::packaged_task<Result *(Row *)> task(dot_with_itself);
      results.push_back(task.get_future());
      threads.emplace_back(std::move(task), stm::make<Row>(round * 4 + i + 1));
    }
    for (std::future<Result *> &result : results) {
      Result *r = result.get();
      sum += r->dot;
    }
    for (std::thread &t : threads)
      t.join();
  }
  std::printf("threads: sum %ld\n", sum);
  idiom::report_collections();
}
