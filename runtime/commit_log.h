// The commit log: a global singly linked list of entries, each carrying the new
// bytes of every object one transaction wrote or created. A segment imports the
// entries after the last one it has seen (docs/architecture.md §6).
#ifndef STMIFY_RUNTIME_COMMIT_LOG_H
#define STMIFY_RUNTIME_COMMIT_LOG_H

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace stm::rt {

struct segment;
struct thread_record;

// The collector freed the object: the record still counts for conflicts (a
// running transaction may have read the object before it died) but its bytes
// must not be imported (the slot may hold a new object by then).
inline constexpr std::uint16_t kRecordObjectDead = 1;
// The record holds one card of a large array, not the whole object.
inline constexpr std::uint16_t kRecordCard = 2;

// One object in an entry, or one card (a slice) of a large array: where it
// lies (offsets within a window) and its bytes.
struct log_record {
  std::uintptr_t start;  // offset of the first byte held
  std::uintptr_t object; // offset of the object's first byte
  std::uint32_t size;    // bytes that follow this record (a multiple of 16)
  std::uint16_t header;  // offset of the object's header from `object`
  std::uint16_t flags;
  const char *site; // of the write barrier that backed the bytes up, or null
  bool whole() const { return !(flags & kRecordCard); }
  std::uintptr_t header_offset() const { return object + header; }
  unsigned char *bytes() { return reinterpret_cast<unsigned char *>(this + 1); }
  log_record *next() { return reinterpret_cast<log_record *>(bytes() + size); }
};
static_assert(sizeof(log_record) == 32);

struct alignas(16) commit_entry {
  std::atomic<commit_entry *> next{nullptr};
  std::uint64_t revision = 0;
  unsigned committer = 0; // segment index (0 for the root)
  std::uint32_t records = 0;
  std::size_t payload = 0;          // bytes of records
  std::size_t capacity = 0;         // bytes of records the allocation can hold
  commit_entry *recycled = nullptr; // link in a segment's list of free entries
  log_record *first() { return reinterpret_cast<log_record *>(this + 1); }
};
static_assert(sizeof(commit_entry) % 16 == 0);

// Placed in the newest entry's `next` while a transaction is inevitable: no one
// else can append until it commits.
inline commit_entry *const kInevitable = reinterpret_cast<commit_entry *>(std::uintptr_t(1));
// Placed there instead while the inevitable transaction is blocked in a call:
// others may append, under the suspension lock, what does not touch anything
// it read (see suspend_inevitable in transaction.h).
inline commit_entry *const kSuspended = reinterpret_cast<commit_entry *>(std::uintptr_t(2));

// Is `next` the end of the log (nothing appended after it yet)?
inline bool is_log_end(const commit_entry *next) {
  return next == nullptr || next == kInevitable || next == kSuspended;
}

extern commit_entry g_log_root;

// Allocates an entry with room for `payload` bytes of records, for a commit
// by segment `committer`. Small entries are recycled: an entry freed by any
// thread goes back to its committer's list, so memory does not travel
// between threads' malloc arenas.
commit_entry *new_entry(segment &committer, std::size_t payload);
void free_entry(commit_entry *e) noexcept;

// A segment's entries waiting to be reused (pushed by any thread, taken by
// the segment's holder).
struct entry_pool {
  std::atomic<commit_entry *> returned{nullptr};
  commit_entry *ready = nullptr;
};
// Entries are pooled by size, in powers of two from 256 bytes to 4 KiB with
// their header: while one segment lags, the log holds every entry committed
// since, so an entry should not be much larger than its records; and an
// entry that comes from a pool does not take the internal allocator's lock.
// Larger entries go back to the internal allocator, where any segment (and
// the backups) can use their memory again.
inline constexpr unsigned kEntryPoolClasses = 5;

// The first record of entry e that writes an object the transaction in `seg`
// has read (its marker carries the segment's current read version), or null.
log_record *conflicting_record(const segment &seg, commit_entry &e) noexcept;
inline bool conflicts(const segment &seg, commit_entry &e) noexcept {
  return conflicting_record(seg, e) != nullptr;
}
// Copies e's new bytes into seg's window. Bytes that seg's running
// (ambient) transaction has changed in an object it wrote stay as they are,
// and its backup of that object takes e's bytes: its own writes are kept, and
// what it publishes later carries everyone else's newer bytes (no lost write).
// Returns whether it had to keep such bytes.
bool import_entry(segment &seg, commit_entry &e) noexcept;
// Imports every entry after seg's last one (a segment nobody holds).
void catch_up(segment &seg) noexcept;

// Frees entries that every segment has imported. An idle segment is brought up
// to date, unless keeping it so has cost more than copying the heap would, or
// more segments are current than one more than the most that threads have
// held at once: it then becomes stale (see segment::stale). Cheap to call
// often: it runs at most in one thread at a time.
void reclaim_log() noexcept;

// Makes every idle segment stale, but one that keeps the committed state
// (what reclaim_log does once following the log costs more than a copy).
void drop_idle_copies() noexcept;

// Makes a stale segment current again (t owns it and is running): copies an
// idle current segment, or, if there is none, an active one while the world
// is stopped.
void refresh_stale_segment(thread_record &t, segment &seg) noexcept;

// The oldest entry not freed yet (for the collector, all threads stopped).
commit_entry *oldest_log_entry() noexcept;
// Calls f on every record of every entry not freed yet (all threads stopped).
template <class F> void for_each_log_record(F &&f) {
  for (commit_entry *e = oldest_log_entry(); !is_log_end(e);
       e = e->next.load(std::memory_order_acquire)) {
    log_record *r = e->first();
    for (std::uint32_t i = 0; i < e->records; ++i, r = r->next())
      f(*r);
  }
}

// Statistics for tests and reports.
std::size_t live_log_entries() noexcept;

} // namespace stm::rt

#endif
