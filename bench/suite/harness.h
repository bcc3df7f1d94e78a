// The benchmark suite's harness. Each workload is one source, written as a
// stmify user writes it (managed classes, stm::make, stm::atomic), built four
// ways:
//   stmify  clang++-19 -fplugin=libstmify.so (defines __STMIFY__)
//   plain   no synchronisation at all (one thread only)
//   mutex   stm::atomic takes one global std::mutex
//   gcctm   g++ -fgnu-tm: stm::atomic is __transaction_atomic (libitm)
// Outside the stmify build, the few API names a workload uses are defined
// here for the build's kind of synchronisation.
//
// A workload program runs as `NAME THREADS OPS [ARGS...]`: it builds its data,
// starts THREADS threads that each run OPS / THREADS operations (one
// operation is one transaction) after a common start (or, for the queue
// workload, runs OPS tasks on a transaction_queue of THREADS workers), and
// prints one line
// `bench=NAME build=BUILD threads=T ops=N secs=S check=OK|FAIL`; it exits 1
// when its data fails the check.
#ifndef STMIFY_BENCH_SUITE_HARNESS_H
#define STMIFY_BENCH_SUITE_HARNESS_H

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>
#include <vector>

#if defined(__STMIFY__)
#include <stmify/stm.hpp>
#define BENCH_BUILD "stmify"
namespace bench {
// Objects the program no longer reaches are the collector's.
template <class T> void retire(T *) {}
} // namespace bench
#else
#include <functional>
#include <mutex>
namespace stm {
struct object {};
template <class T, class... A> T *make(A &&...a) { return new T(std::forward<A>(a)...); }
#if defined(BENCH_MUTEX)
#define BENCH_BUILD "mutex"
inline std::mutex global_lock;
template <class F> void atomic(F &&f) {
  std::lock_guard<std::mutex> guard(global_lock);
  f();
}
#elif defined(BENCH_GCCTM)
#define BENCH_BUILD "gcctm"
template <class F> void atomic(F &&f) {
  __transaction_atomic { f(); }
}
#else
#define BENCH_BUILD "plain"
#define BENCH_SINGLE_THREAD 1
template <class F> void atomic(F &&f) { f(); }
#endif
} // namespace stm
namespace stm {
// Runs its tasks on `workers` threads, each task as one stm::atomic; the
// plain build runs them one after another.
class transaction_queue {
public:
  explicit transaction_queue(unsigned Workers = 1) : Workers(Workers ? Workers : 1) {}
  // The transaction begins where the task's type is known: g++ -fgnu-tm
  // cannot instrument a call through std::function.
  template <class F> void add(F Task) {
    Tasks.emplace_back([Task]() mutable { atomic(Task); });
  }
  void run() {
    std::atomic<std::size_t> Next{0};
    auto Worker = [&] {
      for (std::size_t I; (I = Next.fetch_add(1)) < Tasks.size();)
        Tasks[I]();
    };
    std::vector<std::thread> Threads;
#if !defined(BENCH_SINGLE_THREAD)
    for (unsigned T = 1; T < Workers; ++T)
      Threads.emplace_back(Worker);
#endif
    Worker();
    for (std::thread &T : Threads)
      T.join();
    Tasks.clear();
  }

private:
  [[maybe_unused]] unsigned Workers; // one in the plain build
  std::vector<std::function<void()>> Tasks;
};
} // namespace stm
namespace bench {
template <class T> void retire(T *p) { delete p; }
} // namespace bench
#endif

namespace bench {

// xorshift64*: cheap, and the same sequence in every build.
class Random {
public:
  explicit Random(std::uint64_t Seed) : State(Seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    State ^= State >> 12;
    State ^= State << 25;
    State ^= State >> 27;
    return State * 0x2545F4914F6CDD1Dull;
  }
  // Uniform in [0, N).
  unsigned below(unsigned N) { return static_cast<unsigned>((next() >> 32) % N); }

private:
  std::uint64_t State;
};

struct Options {
  unsigned Threads = 1;
  long Ops = 0;
  std::vector<long> Args; // the workload's own
  long arg(unsigned I, long Default) const { return I < Args.size() ? Args[I] : Default; }
};

// A count per thread, each on a cache line of its own, changed outside
// transactions (the inserts and removes that succeeded).
class PerThreadCount {
public:
  explicit PerThreadCount(unsigned Threads) : Counts(Threads * Stride) {}
  void add(unsigned Thread, long N) { Counts[Thread * Stride] += N; }
  long total() const {
    long Sum = 0;
    for (long C : Counts)
      Sum += C;
    return Sum;
  }

private:
  static constexpr unsigned Stride = 64 / sizeof(long);
  std::vector<long> Counts;
};

// Keeps the optimiser from merging the operations of the plain build.
inline void separate() { asm volatile("" ::: "memory"); }

// THREADS OPS [ARGS...]; false (after a message) when they do not fit the
// build.
inline bool parse(int argc, char **argv, Options &O) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s THREADS OPS [ARGS...]\n", argv[0]);
    return false;
  }
  O.Threads = static_cast<unsigned>(std::atol(argv[1]));
  O.Ops = std::atol(argv[2]);
  for (int I = 3; I < argc; ++I)
    O.Args.push_back(std::atol(argv[I]));
#if defined(BENCH_SINGLE_THREAD)
  if (O.Threads != 1) {
    std::fprintf(stderr, "%s: the plain build runs one thread only\n", argv[0]);
    return false;
  }
#endif
  return O.Threads > 0 && O.Ops > 0;
}

inline int report(const char *Name, const Options &O, double Secs, bool Ok) {
  std::printf("bench=%s build=%s threads=%u ops=%ld secs=%.6f check=%s\n", Name, BENCH_BUILD,
              O.Threads, O.Ops, Secs, Ok ? "OK" : "FAIL");
  return Ok ? 0 : 1;
}

// Runs Workload: W(Options) builds the data; W.operation(Random &, thread)
// runs one operation; W.check(Options) says whether the data is right.
template <class Workload> int run(const char *Name, int argc, char **argv) {
  Options O;
  if (!parse(argc, argv, O))
    return 2;
  Workload W(O);
  auto Work = [&](unsigned Thread) {
    Random R(Thread + 1);
    long Mine = O.Ops / O.Threads + (Thread < O.Ops % O.Threads ? 1 : 0);
    for (long I = 0; I < Mine; ++I) {
      W.operation(R, Thread);
      separate();
    }
  };
  // Every thread starts at once; the main thread is thread 0.
  std::atomic<unsigned> Ready{0};
  std::atomic<bool> Go{false};
  std::vector<std::thread> Threads;
  for (unsigned T = 1; T < O.Threads; ++T)
    Threads.emplace_back([&, T] {
      Ready.fetch_add(1);
      while (!Go.load(std::memory_order_acquire))
        std::this_thread::yield();
      Work(T);
    });
  while (Ready.load() != O.Threads - 1)
    std::this_thread::yield();
  auto Start = std::chrono::steady_clock::now();
  Go.store(true, std::memory_order_release);
  Work(0);
  for (std::thread &T : Threads)
    T.join();
  double Secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
  return report(Name, O, Secs, W.check(O));
}

// Runs a workload that makes its own threads (a transaction_queue's
// workers): W.work(Options) is timed.
template <class Workload> int runWhole(const char *Name, int argc, char **argv) {
  Options O;
  if (!parse(argc, argv, O))
    return 2;
  Workload W(O);
  auto Start = std::chrono::steady_clock::now();
  W.work(O);
  double Secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
  return report(Name, O, Secs, W.check(O));
}

} // namespace bench

#define BENCH_MAIN(Name, Workload)                                                                 \
  int main(int argc, char **argv) { return bench::run<Workload>(Name, argc, argv); }
#define BENCH_MAIN_WHOLE(Name, Workload)                                                           \
  int main(int argc, char **argv) { return bench::runWhole<Workload>(Name, argc, argv); }

#endif
