// Atomic blocks in templates, where the calls whose arguments depend on the
// template's parameters name no function until it is instantiated: what the
// instantiations call decides their barriers, saved locals and hooks. Worker
// threads count through a method of a field of a shared managed object, a
// std::atomic of a template parameter's type, a member operator<< and a
// call operator of each worker's own tally (a method of an object the block
// does not own: the block becomes inevitable first, so a retry does not
// count twice), and an overloaded method of a local outside the block
// (saved, and restored when the block runs again).
#include "idiom.h"

#include <atomic>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int blocks_per_worker = 300;

struct Tally {
  long count = 0;
  void add(long by) { count += by; }
  void add(const char *) {}
  Tally &operator<<(long by) {
    count += by;
    return *this;
  }
  void operator()(long by) { count += by; }
};

struct Shared : stm::object {
  long blocks = 0;
};

// Written only through its tally's method.
struct Holder : stm::object {
  Tally tally; // a plain class, inside a managed object
};

template <class S, class H, class Counter>
long run_blocks(S *shared, H *holder, Counter &atomics, Tally &streamed, Tally &called) {
  Tally local;
  for (int i = 0; i < blocks_per_worker; ++i)
    stm::atomic([&] {
      holder->tally.add(1L);
      shared->blocks += 1;
      local.add(shared->blocks - shared->blocks + 1);
      streamed << shared->blocks - shared->blocks + 1;
      called(shared->blocks - shared->blocks + 1);
      atomics.fetch_add(1);
    });
  return local.count;
}

} // namespace

int main() {
  Shared *shared = stm::make<Shared>();
  Holder *holder = stm::make<Holder>();
  std::atomic<long> atomics{0};
  std::vector<Tally> streamed(workers), called(workers);
  std::vector<long> locals(workers);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back(
        [&, w] { locals[w] = run_blocks(shared, holder, atomics, streamed[w], called[w]); });
  for (std::thread &thread : threads)
    thread.join();
  long streamed_total = 0, called_total = 0, local_total = 0;
  for (int w = 0; w < workers; ++w) {
    streamed_total += streamed[w].count;
    called_total += called[w].count;
    local_total += locals[w];
  }
  std::printf("blocks %ld, the field's tally %ld\n", shared->blocks, holder->tally.count);
  std::printf("atomic %ld, streamed %ld, called %ld, locals %ld\n", atomics.load(), streamed_total,
              called_total, local_total);
  idiom::report_collections();
}
