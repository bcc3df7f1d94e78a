// Memory with every segment held at once: the main thread makes a heap of
// MIB MiB (objects of 128 bytes), then one thread per other segment adds to
// its share of the objects in atomic blocks and waits, spinning, until all
// have. The memory the process takes is read then, and again after a
// collection: its anonymous pages (the segments' own pages, read markers,
// malloc, stacks) and the pages of the heap file the segments share
// (docs/benchmarks.md, "Segments that share pages").
//
//   STMIFY_SEGMENTS=N build/bench/segments_memory [MIB]
#include <stmify/stm.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

struct Record : stm::object {
  long values[14] = {};
};

namespace {

constexpr unsigned long long kMiB = 1 << 20;

// Pss_Anon of the process, in bytes.
unsigned long long anonymous_bytes() {
  std::FILE *f = std::fopen("/proc/self/smaps_rollup", "r");
  char line[256];
  unsigned long long kib = 0;
  while (f && std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "Pss_Anon: %llu kB", &kib) == 1)
      break;
  if (f)
    std::fclose(f);
  return kib * 1024;
}

// Bytes of the runtime's heap file (none when the segments do not share).
unsigned long long heap_file_bytes() {
  DIR *fds = opendir("/proc/self/fd");
  unsigned long long bytes = 0;
  while (dirent *e = fds ? readdir(fds) : nullptr) {
    char path[64], target[PATH_MAX] = {};
    std::snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    struct stat st;
    if (readlink(path, target, sizeof target - 1) > 0 &&
        std::strncmp(target, "/memfd:stmify-heap", 18) == 0 && stat(path, &st) == 0)
      bytes = static_cast<unsigned long long>(st.st_blocks) * 512;
  }
  if (fds)
    closedir(fds);
  return bytes;
}

void report(const char *when) {
  const unsigned long long anon = anonymous_bytes(), file = heap_file_bytes();
  std::printf("  %s: memory %llu MiB = anonymous %llu + heap file %llu\n", when,
              (anon + file) / kMiB, anon / kMiB, file / kMiB);
}

} // namespace

int main(int argc, char **argv) {
  const long mib = argc > 1 ? std::atol(argv[1]) : 16;
  if (mib < 1)
    return 2;
  const unsigned threads = stm::segment_limit() - 1;
  std::vector<Record *> records;
  for (long i = 0; i < mib * 8 * 1024; ++i)
    records.push_back(stm::make<Record>());
  stm::collect();
  std::printf("segments=%u threads=%u live=%llu MiB\n", stm::segment_limit(), threads,
              stm::stats().live_bytes / kMiB);
  report("the heap made");
  std::atomic<unsigned> arrived{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < threads; ++w)
    workers.emplace_back([&, w] {
      for (std::size_t i = w; i < records.size(); i += threads)
        stm::atomic([&] { records[i]->values[0] += 1; });
      arrived.fetch_add(1);
      while (!done.load()) {
      }
    });
  while (arrived.load() < threads) {
  }
  report("every segment held");
  stm::collect();
  report("after a collection");
  done = true;
  for (auto &t : workers)
    t.join();
  long sum = 0;
  for (Record *r : records)
    sum += r->values[0];
  const bool ok = sum == static_cast<long>(records.size());
  std::printf("check=%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
