// The watchdog's thread sleeps until the deadline, then asks every other
// thread, one at a time, to print its own stack from a signal handler.
//
// When it fires, other threads may be stuck anywhere, holding any lock
// (malloc's, stdio's, the runtime's). So from then on nothing here allocates
// or takes a lock: /proc is read with open/read/getdents64, text is written
// with write(2), and the handler only calls backtrace (loaded in advance, its
// first call may allocate) and backtrace_symbols_fd, which writes straight to
// a file descriptor.
#include "watchdog.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace stm_test {
namespace {

constexpr long long nanoseconds_per_second = 1'000'000'000;
constexpr int max_frames = 128;
// How long a thread may take to print its stack before the watchdog moves on
// (a thread that blocks the signal never answers).
constexpr long long answer_timeout_ns = 2 * nanoseconds_per_second;

// A real-time signal: programs and the runtime under test leave these alone,
// and unlike SIGQUIT or SIGUSR1 it has no meaning of its own to the program.
int dump_signal() { return SIGRTMAX - 1; }

// The monotonic time at which the watchdog fires; 0 while it is disarmed.
std::atomic<long long> g_deadline_ns{0};
std::atomic<unsigned> g_limit_seconds{0};
std::atomic<bool> g_thread_started{false};
// The last thread whose handler finished printing its stack.
std::atomic<pid_t> g_answered{0};

long long monotonic_ns() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * nanoseconds_per_second + now.tv_nsec;
}

void sleep_ns(long long ns) {
  timespec pause{static_cast<time_t>(ns / nanoseconds_per_second),
                 static_cast<long>(ns % nanoseconds_per_second)};
  while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
  }
}

pid_t current_tid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// ------------------------------------------------ text without allocating

class line {
public:
  line &operator<<(const char *text) {
    while (*text != '\0' && length_ < sizeof(buffer_))
      buffer_[length_++] = *text++;
    return *this;
  }
  line &operator<<(long long value) {
    char digits[24];
    int count = 0;
    bool negative = value < 0;
    unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(value)
                                            : static_cast<unsigned long long>(value);
    do {
      digits[count++] = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    } while (magnitude != 0);
    if (negative)
      *this << "-";
    while (count > 0 && length_ < sizeof(buffer_))
      buffer_[length_++] = digits[--count];
    return *this;
  }
  ~line() {
    std::size_t written = 0;
    while (written < length_) {
      ssize_t n = write(STDERR_FILENO, buffer_ + written, length_ - written);
      if (n <= 0 && errno != EINTR)
        break;
      if (n > 0)
        written += static_cast<std::size_t>(n);
    }
  }

private:
  char buffer_[512];
  std::size_t length_ = 0;
};

// Reads a small /proc file into `out` (NUL-terminated, trailing newline cut).
bool read_proc_file(const char *path, char *out, std::size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, out, size - 1);
  close(fd);
  if (n <= 0)
    return false;
  out[n] = '\0';
  if (out[n - 1] == '\n')
    out[n - 1] = '\0';
  return true;
}

void format_task_path(char *out, std::size_t size, pid_t tid, const char *leaf) {
  std::snprintf(out, size, "/proc/self/task/%d/%s", static_cast<int>(tid), leaf);
}

// The thread's scheduler state: R running (spinning), S sleeping (blocked),
// D uninterruptible, t stopped by a debugger...
char task_state(pid_t tid) {
  char path[64], stat[512];
  format_task_path(path, sizeof(path), tid, "stat");
  if (!read_proc_file(path, stat, sizeof(stat)))
    return '?';
  const char *after_name = std::strrchr(stat, ')');
  return after_name != nullptr && after_name[1] == ' ' ? after_name[2] : '?';
}

// ------------------------------------------------------------ the dump

void print_own_stack(int) {
  int saved_errno = errno;
  void *frames[max_frames];
  int count = backtrace(frames, max_frames);
  // Frame 0 is this handler.
  if (count > 1)
    backtrace_symbols_fd(frames + 1, count - 1, STDERR_FILENO);
  g_answered.store(current_tid(), std::memory_order_release);
  errno = saved_errno;
}

void dump_thread(pid_t tid) {
  char path[64], name[64] = "?";
  format_task_path(path, sizeof(path), tid, "comm");
  read_proc_file(path, name, sizeof(name));
  char state[2] = {task_state(tid), '\0'};
  line() << "stmify-watchdog: thread " << static_cast<long long>(tid) << " \"" << name
         << "\" state " << state << "\n";
  g_answered.store(0, std::memory_order_relaxed);
  if (syscall(SYS_tgkill, getpid(), tid, dump_signal()) != 0) {
    line() << "stmify-watchdog:   (gone)\n";
    return;
  }
  long long give_up = monotonic_ns() + answer_timeout_ns;
  while (g_answered.load(std::memory_order_acquire) != tid) {
    if (monotonic_ns() > give_up) {
      line() << "stmify-watchdog:   (no answer: the thread blocks the signal)\n";
      return;
    }
    sleep_ns(1'000'000);
  }
}

// The tids in /proc/self/task, read with getdents64 (opendir allocates).
void dump_every_thread() {
  int dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    line() << "stmify-watchdog: cannot list the threads (/proc/self/task)\n";
    return;
  }
  pid_t self = current_tid();
  alignas(8) char entries[4096];
  for (;;) {
    long bytes = syscall(SYS_getdents64, dir, entries, sizeof(entries));
    if (bytes <= 0)
      break;
    for (long offset = 0; offset < bytes;) {
      auto *entry = reinterpret_cast<dirent64 *>(entries + offset);
      offset += entry->d_reclen;
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
        continue;
      pid_t tid = static_cast<pid_t>(std::atoi(entry->d_name));
      if (tid != self)
        dump_thread(tid);
    }
  }
  close(dir);
}

[[noreturn]] void fire() {
  // What the program printed so far helps to see where it stopped; a thread
  // stuck while holding stdout's lock keeps it, so only try.
  if (ftrylockfile(stdout) == 0) {
    fflush_unlocked(stdout);
    funlockfile(stdout);
  }
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = print_own_stack;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(dump_signal(), &action, nullptr);

  line() << "stmify-watchdog: " << program_invocation_short_name << " has not finished after "
         << static_cast<long long>(g_limit_seconds.load()) << " s (STMIFY_TEST_WATCHDOG); "
         << "the stack of every thread follows\n";
  dump_every_thread();
  line() << "stmify-watchdog: exiting with status " << static_cast<long long>(watchdog_exit_status)
         << "\n";
  _exit(watchdog_exit_status);
}

void *watch(void *) {
  constexpr long long poll_ns = 100'000'000;
  for (;;) {
    long long deadline = g_deadline_ns.load(std::memory_order_acquire);
    long long now = monotonic_ns();
    if (deadline != 0 && now >= deadline)
      fire();
    long long pause = deadline == 0 ? poll_ns : deadline - now;
    sleep_ns(pause < poll_ns ? pause : poll_ns);
  }
}

void start_thread() {
  // backtrace loads the unwinder on its first call, which allocates: do that
  // now, not in a signal handler.
  void *frame[1];
  backtrace(frame, 1);

  // The watchdog's thread takes no signals, so the program's own signals go
  // to the threads that expect them.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_t thread;
  int error = pthread_create(&thread, nullptr, watch, nullptr);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (error != 0) {
    std::fprintf(stderr, "stmify-watchdog: cannot start its thread: %s\n", std::strerror(error));
    std::exit(watchdog_exit_status);
  }
  pthread_setname_np(thread, "watchdog");
  pthread_detach(thread);
}

unsigned limit_from_environment() {
  const char *text = std::getenv("STMIFY_TEST_WATCHDOG");
  if (text == nullptr || *text == '\0')
    return default_watchdog_seconds;
  char *end = nullptr;
  errno = 0;
  unsigned long seconds = std::strtoul(text, &end, 10);
  if (errno != 0 || *end != '\0' || seconds > 24 * 3600 || text[0] == '-') {
    std::fprintf(stderr,
                 "stmify-watchdog: STMIFY_TEST_WATCHDOG must be a number of seconds "
                 "(0 turns the watchdog off), not '%s'\n",
                 text);
    std::exit(2);
  }
  return static_cast<unsigned>(seconds);
}

const bool armed_at_start = [] {
  arm_watchdog(limit_from_environment());
  return true;
}();

} // namespace

void arm_watchdog(unsigned seconds) {
  if (seconds == 0) {
    disarm_watchdog();
    return;
  }
  g_limit_seconds.store(seconds);
  g_deadline_ns.store(monotonic_ns() + seconds * nanoseconds_per_second, std::memory_order_release);
  if (!g_thread_started.exchange(true))
    start_thread();
}

void disarm_watchdog() { g_deadline_ns.store(0, std::memory_order_release); }

} // namespace stm_test
