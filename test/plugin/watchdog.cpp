// A hang of a multi-threaded test must fail with every thread's stack rather
// than wait for the CI's timeout: after STMIFY_TEST_WATCHDOG_SECONDS (default
// 300) the process prints its threads' stacks (through gdb, when it is
// installed) and aborts. Compiled without the plugin: the watchdog thread
// never touches managed objects.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

void report_hang_and_abort(long seconds) {
  std::fprintf(stderr, "watchdog: the test did not finish within %ld s; stacks:\n", seconds);
  std::string command = "gdb -p " + std::to_string(getpid()) +
                        " -batch -nx -ex 'thread apply all bt' 1>&2 2>/dev/null";
  if (std::system(command.c_str()) != 0)
    std::fprintf(stderr, "watchdog: gdb could not print the stacks\n");
  std::abort();
}

const bool watchdog_started = [] {
  const char *setting = std::getenv("STMIFY_TEST_WATCHDOG_SECONDS");
  long seconds = setting ? std::strtol(setting, nullptr, 10) : 300;
  if (seconds > 0)
    std::thread([seconds] {
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      report_hang_and_abort(seconds);
    }).detach();
  return true;
}();

} // namespace
