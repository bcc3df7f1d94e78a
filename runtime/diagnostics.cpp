#include "diagnostics.h"

#include <stmify/stm.hpp>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace stm::rt {

void fatal(const char *format, ...) noexcept {
  char message[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  std::fprintf(stderr, "stmify: fatal error: %s\n", message);
  std::fflush(stderr);
  std::abort();
}

} // namespace stm::rt

void stm::detail::fatal(const char *message) noexcept {
  stm::rt::fatal("%s", message);
}
