#include "event_log.h"

#include "config.h"
#include "diagnostics.h"
#include "heap.h"
#include "sync.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <new>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace stm::rt {

std::atomic<bool> g_logging{false};

namespace {

using namespace log_format;

// Big enough that flushing is rare, small enough that a thread's unwritten
// events are a moment's worth.
constexpr std::size_t kBufferBytes = 64 * 1024;
// A buffer older than this is written at its next event, so that a program
// killed mid-run leaves a log up to a moment before.
constexpr std::int64_t kFlushAfterNs = 100'000'000;
constexpr std::size_t kMaxReason = 1024;
constexpr std::size_t kKnownStrings = 1024; // a power of two

int g_fd = -1;
std::int64_t g_started_ns = 0;
std::atomic<std::uint32_t> g_next_thread{1};
std::atomic<bool> g_failed{false};
pthread_key_t g_thread_key;

struct thread_log {
  std::uint32_t thread;
  std::uint32_t sequence = 0;
  std::int64_t last_flush_ns = 0;
  std::size_t used = 0;
  // Strings this thread has defined: an open-addressed set of their ids,
  // emptied when it fills (the strings are then defined again).
  std::uintptr_t known[kKnownStrings] = {};
  std::size_t known_count = 0;
  std::uintptr_t last_known = 0;
  // The chunk header sits right in front of the events: a chunk is one write.
  alignas(8) chunk_header header;
  unsigned char data[kBufferBytes];
};
static_assert(offsetof(thread_log, data) == offsetof(thread_log, header) + sizeof(chunk_header));

thread_local thread_log *t_log = nullptr;

// Writes all of [data, data + n); 0, or the error that stopped it.
int write_all(const void *data, std::size_t n) noexcept {
  const auto *p = static_cast<const unsigned char *>(data);
  while (n > 0) {
    const long done = syscall(SYS_write, g_fd, p, n);
    if (done < 0 && errno == EINTR)
      continue;
    if (done <= 0)
      return done < 0 ? errno : ENOSPC;
    p += done;
    n -= static_cast<std::size_t>(done);
  }
  return 0;
}

// Writes the buffer's events as one chunk and empties it (also when the log
// has failed: the events are then dropped).
void flush(thread_log &log) noexcept {
  const std::size_t used = log.used;
  log.used = 0;
  log.last_flush_ns = monotonic_ns();
  if (used == 0 || g_failed.load(std::memory_order_relaxed))
    return;
  // One write per chunk, appended whole: chunks of threads never interleave.
  log.header = {kChunkMagic, static_cast<std::uint32_t>(used), log.thread, log.sequence++};
  if (const int error = write_all(&log.header, sizeof log.header + used)) {
    // A chunk cut short ends the log: the reader stops before it.
    g_logging = false;
    if (!g_failed.exchange(true))
      std::fprintf(stderr, "stmify: STMIFY_LOG: writing the log failed (%s); it ends here\n",
                   std::strerror(error));
  }
}

void flush_at_thread_exit(void *log) noexcept {
  auto *l = static_cast<thread_log *>(log);
  if (g_logging)
    flush(*l);
  t_log = nullptr;
  l->~thread_log();
  std::free(l);
}

void flush_at_exit() noexcept { flush_event_log(); }

void stop_in_child() noexcept {
  // The child's copy of its parent's buffer was the parent's to write, and
  // its own events would mix another process's clock and addresses into
  // the parent's log.
  g_logging = false;
  t_log = nullptr;
  pthread_setspecific(g_thread_key, nullptr);
}

thread_log *this_thread_log() noexcept {
  if (t_log)
    return t_log;
  void *memory = std::malloc(sizeof(thread_log));
  if (!memory)
    return nullptr;
  t_log = new (memory) thread_log;
  t_log->thread = g_next_thread.fetch_add(1, std::memory_order_relaxed);
  t_log->last_flush_ns = monotonic_ns();
  pthread_setspecific(g_thread_key, t_log);
  return t_log;
}

// Room for an event with `extra` bytes after it in the calling thread's
// buffer, its header filled in.
template <class Event>
Event *reserve(thread_log &log, event type, std::uint8_t kind, std::size_t extra,
               std::int64_t now) noexcept {
  const std::size_t bytes = (sizeof(Event) + extra + 7) & ~std::size_t(7);
  static_assert(sizeof(Event) + kMaxReason + 8 <= kBufferBytes);
  if (log.used + bytes > kBufferBytes)
    flush(log); // empties it
  auto *e = reinterpret_cast<Event *>(log.data + log.used);
  std::memset(log.data + log.used + sizeof(Event) + extra, 0, bytes - sizeof(Event) - extra);
  e->h = {type, kind, static_cast<std::uint16_t>(bytes), log.thread, now - g_started_ns};
  log.used += bytes;
  return e;
}

// The id of s, defining it first if this thread has not yet.
std::uint64_t string_id(thread_log &log, const char *s, std::int64_t now) noexcept {
  if (!s)
    return 0;
  const auto id = reinterpret_cast<std::uintptr_t>(s);
  if (id == log.last_known) // most events of a thread name the block it runs
    return id;
  std::size_t slot = (id >> 3) * 0x9e3779b97f4a7c15ull >> 54;
  for (;; slot = (slot + 1) % kKnownStrings) {
    if (log.known[slot] == id) {
      log.last_known = id;
      return id;
    }
    if (log.known[slot] == 0)
      break;
  }
  if (log.known_count == kKnownStrings / 2) {
    std::memset(log.known, 0, sizeof log.known);
    log.known_count = 0;
    log.last_known = 0;
    return string_id(log, s, now);
  }
  log.known[slot] = id;
  ++log.known_count;
  const std::size_t length = std::min<std::size_t>(std::strlen(s), kMaxReason);
  auto *e = reserve<string_event>(log, event::string, 0, length, now);
  e->id = id;
  std::memcpy(reinterpret_cast<unsigned char *>(e) + sizeof *e, s, length);
  return id;
}

// Runs `fill` on a fresh event of type Event in the calling thread's buffer.
// `now` is the event's time if the caller has read the clock already.
template <class Event, class Fill>
void append(event type, std::uint8_t kind, std::size_t extra, Fill &&fill,
            std::int64_t now = 0) noexcept {
  if (!g_logging)
    return;
  thread_log *log = this_thread_log();
  if (!log)
    return;
  if (now == 0)
    now = monotonic_ns();
  // Strings first: defining one may flush, and the event must follow it.
  fill(static_cast<Event *>(nullptr), *log, now);
  Event *e = reserve<Event>(*log, type, kind, extra, now);
  fill(e, *log, now);
  if (now - log->last_flush_ns > kFlushAfterNs)
    flush(*log);
}

} // namespace

void setup_event_log() noexcept {
  if (!g_config.log_path)
    return;
  // "%p" becomes the process id: programs that start other stmify programs
  // (which inherit STMIFY_LOG) then write a log each.
  static char path[4096];
  std::size_t n = 0;
  for (const char *p = g_config.log_path; *p && n + 24 < sizeof path; ++p) {
    if (p[0] == '%' && p[1] == 'p') {
      n += static_cast<std::size_t>(
          std::snprintf(path + n, sizeof path - n, "%ld", static_cast<long>(getpid())));
      ++p;
    } else {
      path[n++] = *p;
    }
  }
  path[n] = '\0';
  struct stat st{};
  const auto refuse_pipe = [&] {
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
      setting_error("STMIFY_LOG=\"%s\" is a pipe or a socket, where the threads' chunks of the "
                    "log would interleave: give a file (compress it afterwards)",
                    path);
  };
  if (stat(path, &st) == 0)
    refuse_pipe();
  // Not blocking: a pipe made meanwhile is not waited for.
  g_fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, path,
                                  O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NONBLOCK,
                                  0644));
  if (g_fd < 0)
    setting_error("STMIFY_LOG=\"%s\": cannot open the log for writing: %s", path,
                  std::strerror(errno));
  if (fstat(g_fd, &st) == 0)
    refuse_pipe();
  fcntl(g_fd, F_SETFL, O_APPEND);
  timespec wall{};
  clock_gettime(CLOCK_REALTIME, &wall);
  g_started_ns = monotonic_ns();
  file_header h{};
  std::memcpy(h.magic, kMagic, sizeof h.magic);
  h.version = kVersion;
  h.segments = g_heap.segments;
  h.started_unix_ns = wall.tv_sec * 1'000'000'000LL + wall.tv_nsec;
  if (const int error = write_all(&h, sizeof h))
    setting_error("STMIFY_LOG=\"%s\": cannot write the log: %s", path, std::strerror(error));
  if (pthread_key_create(&g_thread_key, flush_at_thread_exit) != 0)
    setting_error("STMIFY_LOG=\"%s\": no thread-specific key is left for the log", path);
  g_logging = true;
  pthread_atfork(nullptr, nullptr, stop_in_child);
  std::atexit(flush_at_exit);
}

void flush_event_log() noexcept {
  if (g_logging && t_log)
    flush(*t_log);
}

void log_begin(unsigned segment, unsigned attempt, const char *block, std::int64_t now) noexcept {
  std::uint64_t site = 0;
  append<begin_event>(
      event::begin, 0, 0,
      [&](begin_event *e, thread_log &log, std::int64_t at) {
        if (!e)
          site = string_id(log, block, at);
        else
          *e = {e->h, segment, attempt, site};
      },
      now);
}

void log_commit(unsigned segment, std::size_t writes, const char *block) noexcept {
  std::uint64_t site = 0;
  append<commit_event>(event::commit, 0, 0,
                       [&](commit_event *e, thread_log &log, std::int64_t now) {
                         if (!e)
                           site = string_id(log, block, now);
                         else
                           *e = {e->h, segment, static_cast<std::uint32_t>(writes), site};
                       });
}

void log_abort(abort_kind kind, unsigned segment, const char *block, const char *committed_site,
               const char *own_site, const char *type_name, std::uint64_t object,
               std::int64_t lost_ns) noexcept {
  std::uint64_t ids[4] = {};
  append<abort_event>(event::abort, static_cast<std::uint8_t>(kind), 0,
                      [&](abort_event *e, thread_log &log, std::int64_t now) {
                        if (!e) {
                          ids[0] = string_id(log, block, now);
                          ids[1] = string_id(log, committed_site, now);
                          ids[2] = string_id(log, own_site, now);
                          ids[3] = string_id(log, type_name, now);
                        } else {
                          *e = {e->h, segment, 0, ids[0], ids[1], ids[2], ids[3], object, lost_ns};
                        }
                      });
}

void log_pause(pause_kind kind, unsigned segment, const char *block, std::uint64_t generation,
               std::int64_t paused_ns) noexcept {
  std::uint64_t site = 0;
  append<pause_event>(event::pause, static_cast<std::uint8_t>(kind), 0,
                      [&](pause_event *e, thread_log &log, std::int64_t now) {
                        if (!e)
                          site = string_id(log, block, now);
                        else
                          *e = {e->h, segment, 0, site, generation, paused_ns};
                      });
}

void log_inevitable(unsigned segment, std::uint64_t generation, const char *block,
                    const char *reason) noexcept {
  const std::size_t length = reason ? std::min<std::size_t>(std::strlen(reason), kMaxReason) : 0;
  std::uint64_t site = 0;
  append<inevitable_event>(
      event::inevitable, 0, length, [&](inevitable_event *e, thread_log &log, std::int64_t now) {
        if (!e) {
          site = string_id(log, block, now);
          return;
        }
        *e = {e->h, segment, 0, generation, site};
        std::memcpy(reinterpret_cast<unsigned char *>(e) + sizeof *e, reason, length);
      });
}

void log_inevitable_end(unsigned segment, std::uint64_t generation, std::int64_t held_ns) noexcept {
  append<inevitable_end_event>(event::inevitable_end, 0, 0,
                               [&](inevitable_end_event *e, thread_log &, std::int64_t) {
                                 if (e)
                                   *e = {e->h, segment, 0, generation, held_ns};
                               });
}

void log_collection(std::int64_t began_ns, std::int64_t pause_ns, std::uint64_t live_bytes,
                    std::uint64_t freed_bytes) noexcept {
  append<collection_event>(
      event::collection, 0, 0, [&](collection_event *e, thread_log &, std::int64_t) {
        if (e)
          *e = {{e->h.type, e->h.kind, e->h.size, e->h.thread, began_ns - g_started_ns},
                pause_ns,
                live_bytes,
                freed_bytes};
      });
}

} // namespace stm::rt
