// Process setup: reading the settings, reserving the segments' address
// space, and starting every part of the runtime, once.
#ifndef STMIFY_RUNTIME_SETUP_H
#define STMIFY_RUNTIME_SETUP_H

namespace stm::rt {

// Sets the whole runtime up once; every entry point that does not go through
// an attached thread calls it.
void ensure_runtime() noexcept;

} // namespace stm::rt

#endif
