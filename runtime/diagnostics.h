// The runtime's fatal errors: one line on stderr starting "stmify: ", then
// abort; and errors in its settings, which are the user's to fix, not a crash.
#ifndef STMIFY_RUNTIME_DIAGNOSTICS_H
#define STMIFY_RUNTIME_DIAGNOSTICS_H

namespace stm::rt {

[[noreturn]] void fatal(const char *format, ...) noexcept __attribute__((format(printf, 1, 2)));

// A setting the runtime cannot work with (an invalid STMIFY_* value, a log
// it cannot write): one line on stderr, then the program exits with status 2.
[[noreturn]] void setting_error(const char *format, ...) noexcept
    __attribute__((format(printf, 1, 2)));

} // namespace stm::rt

#endif
