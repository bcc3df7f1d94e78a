// The runtime's fatal errors: one line on stderr starting "stmify: ", then abort.
#ifndef STMIFY_RUNTIME_DIAGNOSTICS_H
#define STMIFY_RUNTIME_DIAGNOSTICS_H

namespace stm::rt {

[[noreturn]] void fatal(const char *format, ...) noexcept
    __attribute__((format(printf, 1, 2)));

} // namespace stm::rt

#endif
