// Constructors that loop and lock, run by more threads than there are
// segments: a thread that waits for the mutex in the middle of one gives its
// segment up and may finish the object in another segment; one that reaches a
// safe point of the loop while others wait for a segment must not (the
// derived class's member initialisers, which run after the base's loop, write
// through `this`). Some constructors throw after their loop. Each thread
// builds its histograms, links them into its own list and adds them up; main
// adds up every list after join.
#include "idiom.h"

#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 4;
constexpr int histograms_per_worker = 40;
constexpr int bins = 1500; // more than the default safe-point interval

std::mutex registry_lock;
long registered = 0;

struct Histogram : stm::object {
  long counts[bins];
  long total = 0;
  long serial = 0;
  Histogram *next;

  Histogram(long seed, Histogram *next) : next(next) {
    for (int i = 0; i < bins; ++i) {
      counts[i] = (seed * (i + 1)) % 97;
      total += counts[i];
    }
    if (seed % 7 == 0)
      throw std::invalid_argument("unlucky seed");
    {
      std::lock_guard<std::mutex> lock(registry_lock);
      serial = ++registered;
    }
    for (int i = 0; i < bins; i += 3) {
      counts[i] += 1;
      total += 1;
    }
  }
};

struct Labelled : Histogram {
  long label;
  long first;
  Labelled(long seed, Histogram *next)
      : Histogram(seed, next), label(seed * 31), first(counts[0]) {}
};

struct Sum : stm::object {
  long histograms = 0;
  long refused = 0;
  long checksum = 0;
};

void build(long worker, Sum *sum) {
  Histogram *list = nullptr;
  Labelled *labelled = nullptr;
  for (int h = 0; h < histograms_per_worker; ++h) {
    try {
      if (h % 2 == 0)
        list = stm::make<Histogram>(worker * 1000 + h + 1, list);
      else
        list = labelled = stm::make<Labelled>(worker * 1000 + h + 1, list);
    } catch (const std::invalid_argument &) {
      sum->refused += 1;
    }
    idiom::churn(2);
  }
  if (labelled)
    sum->checksum += labelled->label + labelled->first;
  for (const Histogram *histogram = list; histogram; histogram = histogram->next) {
    long recount = 0;
    for (long count : histogram->counts)
      recount += count;
    sum->histograms += 1;
    sum->checksum += recount * 3 + histogram->total + (histogram->serial > 0 ? 1 : 0);
  }
}

} // namespace

int main() {
  std::vector<Sum *> sums;
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    sums.push_back(stm::make<Sum>());
    threads.emplace_back(build, w, sums.back());
  }
  for (std::thread &t : threads)
    t.join();
  long histograms = 0, refused = 0, checksum = 0;
  for (const Sum *sum : sums) {
    histograms += sum->histograms;
    refused += sum->refused;
    checksum += sum->checksum;
  }
  std::printf("constructors: %ld histograms, %ld refused, checksum %ld, %ld registered\n",
              histograms, refused, checksum, registered);
  idiom::report_collections();
}
