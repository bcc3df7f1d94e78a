#include "diagnostics.h"

#include <stmify/stm.hpp>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace stm::rt {

namespace {
// One line on stderr: "stmify: <what>: <message>".
void say(const char *what, const char *format, va_list args) noexcept {
  char message[1024];
  std::vsnprintf(message, sizeof message, format, args);
  std::fprintf(stderr, "stmify: %s: %s\n", what, message);
  std::fflush(stderr);
}
} // namespace

void fatal(const char *format, ...) noexcept {
  va_list args;
  va_start(args, format);
  say("fatal error", format, args);
  va_end(args);
  std::abort();
}

void setting_error(const char *format, ...) noexcept {
  va_list args;
  va_start(args, format);
  say("error", format, args);
  va_end(args);
  // Not exit(): the runtime is being set up, possibly from a static
  // initialiser, and the program's exit handlers would call into it.
  std::_Exit(2);
}

} // namespace stm::rt

void stm::detail::fatal(const char *message) noexcept { stm::rt::fatal("%s", message); }
