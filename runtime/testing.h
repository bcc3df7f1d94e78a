// Test-only hooks (built into stmify_runtime_testing only): one OS thread can
// act as several runtime threads, each holding its own segment, and switch
// between them step by step, so that conflict rules are tested
// deterministically. Waits are turned into aborts with never_block(true).
#ifndef STMIFY_RUNTIME_TESTING_H
#define STMIFY_RUNTIME_TESTING_H

#ifndef STMIFY_TESTING
#error "testing.h is only for the test build of the runtime"
#endif

#include <stmify/stm.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stm::testing {

struct thread;

// A new runtime thread; it attaches to a segment on its first operation.
thread *new_thread();
// From now on the calling OS thread acts as t (its segment, its transaction);
// with null, as a thread that has not used the runtime yet.
void switch_to(thread *t);
// The thread the calling OS thread currently acts as (null if none).
thread *current();
// Gives up t's segment (ends its ambient transaction); t must be current.
void detach_current();

// Waits (for an inevitable transaction) become aborts instead.
void never_block(bool on);
// Runs hook once, in the next release of the inevitable slot: after the
// slot is open to the next holder, before waiters are told.
void in_next_slot_release(void (*hook)());

// Runs hook(from, to) in the next collections before the scan for roots
// reads each run [from, to) of the program's anonymous memory (its page
// map read), until the hook returns true.
void in_next_scan(bool (*hook)(std::uintptr_t from, std::uintptr_t to));
// The table of pointers to the managed types' descriptors, which lies in
// the runtime's static data and which the scan for roots leaves out.
std::pair<const void *, std::size_t> type_table();
// The parts of [begin, end) that the scan for roots reads when it leaves out
// the ranges `left_out` (in any order, overlapping or not).
std::vector<std::pair<std::uintptr_t, std::uintptr_t>>
parts_outside(std::uintptr_t begin, std::uintptr_t end,
              const std::vector<std::pair<std::uintptr_t, std::uintptr_t>> &left_out);

// Is the current thread inside the runtime (its blocking calls then count as
// the runtime's, not the program's)?
bool in_runtime_code();
// The segment the current thread holds (0 if none).
unsigned current_segment();
// The current thread's segment moves on to read version `version` (ahead of
// its own), as if that many transactions that read nothing had run there
// since: so that a test reaches the wrap without 65 535 transactions. Called
// between atomic blocks.
void skip_read_versions_to(unsigned version);
// Does the current transaction's read marker lie on the object with this header?
bool header_was_read(const void *local_or_canonical_header);
// Has the current transaction backed up (written) the object with this header?
bool header_was_written(const void *local_or_canonical_header);
// Bytes the running transaction has backed up, and how many pieces.
std::size_t backed_up_bytes();
std::size_t backed_up_pieces();
// Locals the running transaction will restore if it aborts (settles a
// block begun quickly first, as every entry does).
std::size_t preserved_locals();
// Slots of the running transaction's index of its own writes.
std::size_t write_index_slots();
// Commit-log entries not yet freed.
std::size_t log_entries();
// Bytes allocated for them, headers included (no thread may commit meanwhile).
std::size_t log_entry_bytes();
void reclaim_log();
// Has segment i (1..N) stopped following the log (see segment::stale)?
bool segment_is_stale(unsigned i);
// Makes every idle segment stale but one that keeps the committed state, as
// the log reclaimer does once following the log costs more than a copy.
void make_idle_segments_stale();
// The log reclaimer keeps at most one more segment current, held ones
// included, than the most that threads have held at once. Forgets what
// earlier tests held (the most counts from now) and returns how many segments
// are held now.
unsigned forget_most_segments_held();
// What a blocking call does to the current thread's inevitable transaction:
// others may commit what does not touch what it read, until it resumes.
void suspend_current();
void resume_current();
// The memory the managed heap takes: the pages segment windows hold of their
// own, those of the heap file they share, and the pages of the segments'
// read markers that may hold data.
struct heap_memory {
  std::size_t private_bytes = 0, file_bytes = 0, marker_bytes = 0;
};
heap_memory heap_memory_now();
// Is there an allocated object starting at the (local or canonical) address?
bool allocated_at(const void *object_start);
// The conflict report (STMIFY_REPORT) as it would be printed now, with its
// `top` most costly causes; and a fresh start for it.
std::string conflict_report(unsigned top);
void reset_conflict_report();

template <class T> bool was_read(const T *p) {
  return header_was_read(&detail::access::header(*loc(const_cast<T *>(p))));
}
template <class T> bool was_written(const T *p) {
  return header_was_written(&detail::access::header(*loc(const_cast<T *>(p))));
}

} // namespace stm::testing

#endif
