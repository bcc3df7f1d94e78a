// What made transactions abort or wait, summed per cause and, with
// STMIFY_REPORT=1, printed at exit: the runtime's part of finding conflicts
// (docs/user-guide.md, "Finding conflicts"). Nothing here runs unless
// reporting is on, except one test of g_reporting where a transaction begins,
// aborts or waits.
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
  const char *own_site = nullptr;       // this transaction's write of the object
  const char *type_name = nullptr;      // the object's type
};

// STMIFY_REPORT is on (set once, when the runtime starts).
extern bool g_reporting;

// Registers the report to be printed at exit if STMIFY_REPORT is on.
void setup_conflict_report() noexcept;

// An atomic block's attempt begins: its clock starts, its cause is unknown.
void begin_reported_attempt(transaction_state &tx) noexcept;
// A write barrier at `site` is about to back up a write of tx; called before
// the write is recorded, so that tx.write_sites stays parallel to tx.writes.
void note_write_site(transaction_state &tx, const char *site) noexcept;
// Puts the sites of tx's writes into its entry e, whose first records are
// those writes.
void label_records(commit_entry &e, const transaction_state &tx) noexcept;

// The cause of a conflict that dooms seg's transaction: r, a committed
// record of an object the transaction read.
conflict_cause describe_conflict(segment &seg, const log_record &r) noexcept;

// An attempt of the atomic block at block_site (null if unknown) aborted
// after lost_ns.
void note_abort(const conflict_cause &cause, const char *block_site, std::int64_t lost_ns) noexcept;
// A transaction (the atomic block at block_site, or code outside atomic
// blocks if null) waited paused_ns for the inevitable transaction, the
// atomic block at holder_site, which became inevitable because of `reason`.
void note_inevitable_wait(const char *reason, const char *holder_site, const char *block_site,
                          std::int64_t paused_ns) noexcept;

// Writes the report: a summary, then the `top` causes that cost the most time.
void write_conflict_report(std::FILE *out, unsigned top) noexcept;
// Forgets every cause noted so far (for tests).
void reset_conflict_report() noexcept;

} // namespace stm::rt

#endif
