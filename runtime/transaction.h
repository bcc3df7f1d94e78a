// The transaction engine: validation, commit, abort, inevitability and the
// ambient transactions of code outside atomic blocks (docs/architecture.md
// §6-§8).
#ifndef STMIFY_RUNTIME_TRANSACTION_H
#define STMIFY_RUNTIME_TRANSACTION_H

#include <stmify/stm.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace stm::rt {

struct segment;
struct thread_record;
struct end_handler;

// Brings seg up to date with the log. An atomic transaction that is not
// inevitable stops at the first entry that writes something it read: it is
// then doomed, and validate returns false. An ambient transaction imports
// everything, keeping its own writes (see import_entry).
bool validate(segment &seg) noexcept;

// After the conflict diagnostics are set up: chooses whether atomic blocks
// may take the fast paths of transaction_fast_path.h.
void setup_transactions() noexcept;

// --- ambient transactions (code outside atomic blocks; they never abort)

// continues: the previous transaction in the segment was also outside atomic
// blocks, in this thread (its read references stay good).
void begin_ambient(thread_record &t, bool continues = false) noexcept;
// Publishes what the ambient transaction did and leaves the segment idle.
// Waits while another transaction is inevitable (unless that one is blocked
// and this one touches nothing it read).
void end_ambient(thread_record &t) noexcept;
// A thread that gives its segment up takes the objects it is constructing
// along, with a copy of their bytes, and hands them to the next ambient
// transaction of the segment it takes back: not to whoever takes the segment
// meanwhile. The bytes are written back only where the segment no longer
// holds them (restore_bytes: it was dropped and copied from another since),
// so that what another thread wrote into the object through a barrier, if
// the constructor let `this` out, is not undone.
void carry_constructing(thread_record &t, segment &seg) noexcept;
void unpack_constructing(thread_record &t, segment &seg, bool restore_bytes) noexcept;
// Publishes and starts a fresh ambient transaction.
void restart_ambient(thread_record &t) noexcept;
// The same, unless publishing would have to wait: returns whether it did.
bool try_restart_ambient(thread_record &t) noexcept;

// --- atomic transactions

void begin_atomic(thread_record &t, const char *site) noexcept;
// What publishing an atomic transaction's writes and new objects comes to
// when the log has not moved since it last validated (nothing to check or
// import), it is not inevitable and nothing observes it: its entry appended
// with one compare-and-swap. False if another transaction appended first:
// the entry goes back to the pool, the transaction is as it was, and the
// caller takes the general path.
bool append_unmoved(segment &seg) noexcept;
// Commits; false if the transaction lost a conflict (it is then rolled back).
// The program's handlers are moved to `due`: the caller runs their function
// for the end the transaction had (run_end_handlers) once it has left the
// runtime, as the program's code (they may block, or run atomic blocks).
bool commit_atomic(thread_record &t, std::vector<end_handler> &due) noexcept;
// Rolls the transaction back. After an abort, the block runs again: the
// objects it created are freed and the abort counts towards the retry limit.
// A cancelled block (stm::atomic_cancel) ends: the objects it created become
// the ambient transaction's (the exception may refer to them).
enum class rollback { abort, cancel };
void abort_atomic(thread_record &t, rollback kind, std::vector<end_handler> &due) noexcept;
// Runs each handler's function for the end its transaction had. An atomic
// block a handler runs is a block of its own: it starts with no aborts in a
// row behind it, and after an abort the retried block's retry state (how
// many attempts aborted, the forced aborts' plan) is put back afterwards.
void run_end_handlers(thread_record &t, std::vector<end_handler> &due, bool committed) noexcept;
// STMIFY_FORCE_ABORTS: at a safe point of one of the first attempts of an
// atomic block, marks the attempt to abort there.
void doom_if_forced(thread_record &t) noexcept;

// --- inevitability

// Makes the running transaction inevitable, waiting for another inevitable
// transaction to finish. Returns false if an atomic transaction has lost a
// conflict (or, in test mode, would have to wait).
bool become_inevitable(thread_record &t, const char *reason) noexcept;
// Publishes what the inevitable transaction wrote so far and keeps it
// inevitable: at a release edge inside an atomic block (an unlock, say), the
// thread that acquires next must see it.
void publish_inevitable_progress(segment &seg) noexcept;
// While the inevitable transaction blocks in a call, other transactions may
// commit as long as they write nothing it read or wrote; resuming imports
// what they committed, none of which it has seen.
void suspend_inevitable(segment &seg) noexcept;
void resume_inevitable(segment &seg) noexcept;

// --- writes

// (The write barrier's slow paths are inline: transaction_fast_path.h.)
unsigned char *card_flag(const segment &seg, std::uintptr_t object, std::uintptr_t card);

extern std::atomic<unsigned> g_inevitable_waiters;

#ifdef STMIFY_TESTING
// Runs once, in the next release of the inevitable slot, after the log is
// open and before the generation moves (testing::in_next_slot_release).
extern std::atomic<void (*)()> g_slot_release_hook;
#endif

// Bytes of new objects after which code outside atomic blocks publishes them
// at its next safe point.
inline constexpr std::size_t kAmbientPublishBytes = 1 << 20;

} // namespace stm::rt

#endif
