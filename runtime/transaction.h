// The transaction engine: validation, commit, abort, inevitability and the
// ambient transactions of code outside atomic blocks.
#ifndef STMIFY_RUNTIME_TRANSACTION_H
#define STMIFY_RUNTIME_TRANSACTION_H

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace stm::rt {

struct segment;
struct thread_record;

// Brings seg up to date with the log. For an atomic transaction that is not
// inevitable it stops at the first entry that writes something the transaction
// read, marks the transaction doomed and returns false.
bool validate(segment &seg) noexcept;

void begin_ambient(thread_record &t) noexcept;
// Publishes what the ambient transaction did and starts a fresh one.
void restart_ambient(thread_record &t) noexcept;
// Publishes what the ambient transaction did and leaves the segment idle.
void end_ambient(thread_record &t) noexcept;

// Makes the running transaction inevitable, waiting for another inevitable
// transaction to finish. Returns false if an atomic transaction has lost a
// conflict (or, in test mode, would have to wait).
bool become_inevitable(thread_record &t, const char *reason) noexcept;

// Releases the inevitable slot held by seg without committing anything.
void release_inevitable(segment &seg) noexcept;

extern std::atomic<unsigned> g_inevitable_waiters;

// Bytes of new objects after which code outside atomic blocks publishes them
// at its next safe point.
inline constexpr std::size_t kAmbientPublishBytes = 1 << 20;

} // namespace stm::rt

#endif
