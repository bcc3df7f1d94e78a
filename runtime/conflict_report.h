// What made transactions abort or wait: the facts the engine gathers when
// STMIFY_REPORT, STMIFY_LOG or STMIFY_VERBOSE is on, and where they go:
// summed per cause and printed at exit (STMIFY_REPORT=1), into the event log
// (event_log.h), and as live lines on stderr (STMIFY_VERBOSE=1). The
// runtime's part of finding conflicts (docs/user-guide.md, "Finding
// conflicts"). Nothing here runs unless one of them is on, except one test of
// g_observing where a transaction begins, commits, aborts or waits.
#ifndef STMIFY_RUNTIME_CONFLICT_REPORT_H
#define STMIFY_RUNTIME_CONFLICT_REPORT_H

#include <cstdint>
#include <cstdio>

namespace stm::rt {

struct segment;
struct log_record;
struct commit_entry;
struct transaction_state;

enum class conflict_kind : std::uint8_t {
  none,        // no conflict: an abort the program or a test asked for
  forced,      // STMIFY_FORCE_ABORTS
  write_write, // another transaction committed a write to an object this one wrote
  write_read,  // ... to an object this one read and did not write
};

// Why a transaction was doomed: the other side's committed write, and this
// transaction's own write for a write-write conflict.
struct conflict_cause {
  conflict_kind kind = conflict_kind::none;
  const char *committed_site = nullptr; // the committed write's barrier
  const char *own_site = nullptr;       // this transaction's write of the object, or
                                        // its read (write-read, a build with read sites)
  const char *type_name = nullptr;      // the object's type
  std::uint64_t object = 0;             // the heap offset of the object
};

// STMIFY_REPORT, STMIFY_LOG or STMIFY_VERBOSE is on (set once, when the
// runtime starts).
extern bool g_observing;

// Registers the report to be printed at exit if STMIFY_REPORT is on; turns
// g_observing on if any of the three is. After setup_event_log.
void setup_conflict_report() noexcept;

// An atomic block's attempt begins in seg, after `attempt` aborts in a row:
// its clock starts, its cause is unknown.
void begin_observed_attempt(segment &seg, unsigned attempt) noexcept;
// It is about to commit: published, not yet cleared.
void note_commit(const segment &seg) noexcept;
// A write barrier at `site` is about to back up a write of tx; called before
// the write is recorded, so that tx.write_sites stays parallel to tx.writes.
void note_write_site(transaction_state &tx, const char *site) noexcept;
// An atomic transaction first read the object whose header is at heap offset
// `header`, at `site` (a build with read sites).
void note_read_site(transaction_state &tx, std::uintptr_t header, const char *site) noexcept;
// Puts the sites of tx's writes into its entry e, whose first records are
// those writes.
void label_records(commit_entry &e, const transaction_state &tx) noexcept;

// The cause of a conflict that dooms seg's transaction: r, a committed
// record of an object the transaction read.
conflict_cause describe_conflict(segment &seg, const log_record &r) noexcept;

// seg's attempt (of the atomic block at tx.site) rolled back: aborted, to
// run again, or cancelled.
void note_abort(const segment &seg, bool cancelled) noexcept;
// A transaction in seg (0: none), the atomic block at block_site or code
// outside atomic blocks if null, waited paused_ns for the inevitable
// transaction of `generation`, the atomic block at holder_site, which became
// inevitable because of `reason` (both null if unknown).
void note_inevitable_wait(unsigned seg, std::uint64_t generation, const char *reason,
                          const char *holder_site, const char *block_site,
                          std::int64_t paused_ns) noexcept;
// seg's transaction became inevitable in `generation` (keeping its own copy
// of when, why and where), or gave the slot up while `waiters` transactions
// were waiting for it.
void note_inevitable(segment &seg, std::uint64_t generation, const char *reason) noexcept;
void note_inevitable_end(const segment &seg, unsigned waiters) noexcept;
// A thread waited paused_ns for a segment, or while another stopped the world.
void note_segment_wait(std::int64_t paused_ns) noexcept;
void note_stopped_world_wait(std::int64_t paused_ns) noexcept;
// A collection stopped the world at began_ns for pause_ns.
void note_collection(std::int64_t began_ns, std::int64_t pause_ns, std::uint64_t live_bytes,
                     std::uint64_t freed_bytes) noexcept;

// Writes the report: a summary, then the `top` causes that cost the most time.
void write_conflict_report(std::FILE *out, unsigned top) noexcept;
// Forgets every cause noted so far, and how many live messages were
// printed or left out this second (for tests).
void reset_conflict_report() noexcept;

} // namespace stm::rt

#endif
