// A segment: one window of the address space and the transaction running in it.
#ifndef STMIFY_RUNTIME_SEGMENT_H
#define STMIFY_RUNTIME_SEGMENT_H

#include "allocator.h"
#include "commit_log.h"
#include "conflict_report.h"
#include "heap.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace stm::rt {

struct thread_record;

// Placed in segment::owner while the log reclaimer updates an idle segment.
inline thread_record *const kReclaimerOwner = reinterpret_cast<thread_record *>(std::uintptr_t(1));

enum class tx_kind : std::uint8_t {
  none,    // the segment is idle
  ambient, // code outside atomic blocks (never aborts; see architecture §8)
  atomic,  // an atomic block
};

// An object the transaction writes, or one card of a large array it writes.
struct write_record {
  std::uintptr_t start;  // offset of the first byte backed up
  std::uintptr_t object; // offset of the object's first byte
  std::uint32_t size;    // bytes backed up
  std::uint16_t header;  // offset of the object's header from `object`
  bool card;             // one card of a large array, not the whole object
  unsigned char *backup; // those bytes as they were before the first write
  bool whole() const { return !card; }
};

struct created_record {
  std::uintptr_t start;
  std::uint32_t size;
  std::uint16_t header;
};

// Bump storage for backups, reused from one transaction to the next. Its
// chunks come from the runtime's internal memory (never scanned for roots).
class byte_arena {
public:
  // Inline: every first write of an object in a transaction backs it up here.
  unsigned char *allocate(std::size_t n) {
    const std::size_t rounded = round_up(n, kGranule);
    if (rounded > static_cast<std::size_t>(end_ - next_))
      return allocate_in_next_chunk(rounded);
    unsigned char *p = next_;
    next_ += rounded;
    return p;
  }
  // The chunks stay, for the next transaction.
  void reset() noexcept {
    current_ = 0;
    next_ = first_;
    end_ = first_end_;
  }

private:
  unsigned char *allocate_in_next_chunk(std::size_t rounded);
  struct chunk {
    unsigned char *bytes;
    std::size_t size;
  };
  std::vector<chunk> chunks_;
  std::size_t current_ = 0; // the chunk [next_, end_) lies in (both null before the first)
  unsigned char *next_ = nullptr, *end_ = nullptr;
  unsigned char *first_ = nullptr, *first_end_ = nullptr; // the first chunk
};

// The runtime's own work at the end of a transaction, run inside the runtime
// before anything else (the transaction queue's tasks added by an atomic
// block are queued only if it commits).
struct tx_callback {
  void (*run)(void *);
  void *context;
};

// A program's handler (stm::on_commit, stm::on_abort): one of its functions
// runs at each end, after the runtime's callbacks, as the program's code.
struct end_handler {
  void (*on_commit)(void *);
  void (*on_abort)(void *);
  void *context;
};

// A local from outside the atomic block that the block writes, as it was
// before (stm::detail::preserve), for an abort to put back: most are a flag,
// a count or a reference, kept here; larger ones in preserved_bytes.
struct preserved_local {
  static constexpr std::size_t kKeptHere = 16;
  void *address;
  std::size_t size;
  std::size_t saved; // index into preserved_bytes, when size > kKeptHere
  unsigned char bytes[kKeptHere];
  const unsigned char *old_bytes(const std::vector<unsigned char> &preserved_bytes) const {
    return size > kKeptHere ? preserved_bytes.data() + saved : bytes;
  }
};

struct transaction_state {
  tx_kind kind = tx_kind::none;
  bool inevitable = false;
  bool doomed = false;        // lost a conflict: aborts at its next abort point
  conflict_cause conflict;    // why it was doomed, when reporting (conflict_report.h)
  std::int64_t began_ns = 0;  // when the attempt began, when reporting
  const char *site = nullptr; // of the atomic block
  const char *inevitable_reason = nullptr;
  std::vector<write_record> writes;
  // When reporting: the site of each write's barrier ("file:line:column", or
  // null), parallel to `writes` (cleared by the first write of a transaction);
  // kept apart, so that without reporting a write costs no more.
  std::vector<const char *> write_sites;
  // When reporting, in a build with read sites: where an atomic transaction
  // first read each object (by the heap offset of its header).
  struct read_site {
    std::uintptr_t header;
    const char *site;
  };
  std::vector<read_site> read_sites;
  // When reporting: when, in which generation and why it became inevitable.
  struct {
    std::int64_t since_ns = 0;
    std::uint64_t generation = 0;
    std::string reason;
  } inevitable_cause;
  std::vector<created_record> created;
  std::size_t created_bytes = 0;
  // Imports that kept bytes this transaction changed (see import_entry).
  std::uint64_t merged_imports = 0;
  byte_arena backups;
  // Index into `writes` by the offset of the first byte backed up and whether
  // it is a card's, so that an ambient transaction importing others' commits
  // keeps its own writes (see import_entry). Built when an import first asks,
  // not by the write barrier: most transactions never need it, and a hash-map
  // insertion costs more than the rest of the barrier's slow path.
  std::unordered_map<std::uintptr_t, std::size_t> written_at;
  std::size_t indexed_writes = 0; // writes[0, indexed_writes) are in written_at
  // The stack pointer of the code that began the atomic block: locals below it
  // (down to the end of the stack) belong to frames the block made, which an
  // abort leaves; they are never restored.
  std::uintptr_t frames_below = 0;
  // What few transactions use. Whatever adds to it goes through rare(), which
  // marks it used, so that ending a transaction that used none of it (every
  // transaction ends with clear()) costs one test instead of five.
  struct rarely_used {
    std::vector<preserved_local> preserved;
    std::vector<unsigned char> preserved_bytes;
    std::vector<tx_callback> on_commit, on_abort;
    std::vector<end_handler> handlers;
    // Keeps the `size` bytes at `from` to write back to `address` on abort.
    // Inline: the quick path's hand-over calls it for every saved local.
    void preserve(void *address, const void *from, std::size_t size) {
      preserved_local &local = preserved.emplace_back();
      local.address = address;
      local.size = size;
      const auto *bytes = static_cast<const unsigned char *>(from);
      if (size <= preserved_local::kKeptHere) {
        std::memcpy(local.bytes, bytes, size);
      } else {
        local.saved = preserved_bytes.size();
        preserved_bytes.insert(preserved_bytes.end(), bytes, bytes + size);
      }
    }
    void clear() noexcept;
  };
  rarely_used &rare() noexcept {
    rare_used_ = true;
    return rare_;
  }
  bool uses_rare() const noexcept { return rare_used_; }

  bool has_effects() const { return !writes.empty() || !created.empty(); }
  void record_write(const write_record &w) { writes.push_back(w); }
  // After `writes` lost records (the collector dropped dead objects') or was
  // emptied. Keeps the index's storage only while it is small: clearing a
  // hash table costs its bucket count, which one large transaction would
  // otherwise impose on every later one.
  void forget_write_index() noexcept {
    if (indexed_writes != 0) // nothing was ever indexed: the common case
      drop_write_index();
  }
  // The backup of the card or of the whole object that starts at `start`.
  write_record *written(std::uintptr_t start, bool card) noexcept;
  // Back to kind none, keeping the storage. Inline: it runs twice in every
  // atomic block, mostly on a state that holds next to nothing.
  __attribute__((always_inline)) void clear() noexcept {
    // The vectors first: after a byte is stored, which may alias anything,
    // their emptiness would be loaded again.
    writes.clear();
    forget_write_index();
    created.clear();
    kind = tx_kind::none;
    inevitable = false;
    doomed = false;
    site = nullptr;
    inevitable_reason = nullptr;
    created_bytes = 0;
    merged_imports = 0;
    backups.reset();
    frames_below = 0;
    if (rare_used_) {
      rare_.clear();
      rare_used_ = false;
    }
  }

private:
  void drop_write_index() noexcept;
  rarely_used rare_;
  bool rare_used_ = false;
};

// Written only by the segment's holder, read by anyone.
struct counter {
  std::atomic<std::uint64_t> value{0};
  void operator++() {
    value.store(value.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

struct segment_stats {
  counter commits, aborts, inevitable, ambient_commits;
  // Commit-log entries the holders made, and those of them they freed before
  // they went into the log (the reclaimer counts what it frees itself): on
  // every commit a global count was an atomic increment of a line that all
  // committing threads wrote.
  counter entries_made, entries_dropped;
};

// On lines of its own: each holder writes its segment's state and counters on
// every transaction, and others read a segment's owner and log position.
struct alignas(64) segment {
  unsigned index = 0;      // 1..N
  std::uintptr_t base = 0; // window base
  std::atomic<thread_record *> owner{nullptr};
  // When its owner took it (steady clock, ns): a waiting thread asks the
  // owner to take turns only once it has had its turn (sync.cpp).
  std::atomic<std::int64_t> owned_since{0};
  std::atomic<commit_entry *> last_seen{&g_log_root};
  read_marker read_version = 1;
  unsigned commits_since_reclaim = 0;
  // An idle segment that stopped following the log: its pages were dropped,
  // and it is copied from another segment before it is used again. Changed
  // under the log reclaimer's lock by the segment's owner.
  bool stale = false;
  std::size_t idle_imported = 0; // log bytes imported since it became idle
  // Which views the barrier sanitizer gives the transactions begun here, and
  // which write views are readable (bit i: epoch i; see open_views).
  std::atomic<unsigned> read_view_epoch{0}, write_view_epoch{0};
  unsigned readable_write_views = 0;
  entry_pool entries[kEntryPoolClasses];
  transaction_state tx;
  // Objects created outside atomic blocks whose constructor had not
  // finished when their transaction published: the holder's next transaction
  // outside atomic blocks takes them over (_STM_GCFLAG_CONSTRUCTING). They
  // leave with the holder when it gives the segment up (thread_record::carried).
  std::vector<created_record> constructing;
  allocation_state alloc;
  segment_stats stats;
};

// Index 1..N (slot 0 unused). Never freed: threads may still run transactions
// while static objects are destroyed at exit.
extern segment *g_segments;

inline segment &segment_at(unsigned i) { return g_segments[i]; }

// The segments that hold the committed state (or follow the log to it): every
// one that is not stale. Read under the log reclaimer's lock or with the world
// stopped, since `stale` changes under that lock.
inline unsigned current_segments() noexcept {
  unsigned current = 0;
  for (unsigned i = 1; i <= g_heap.segments; ++i)
    current += !segment_at(i).stale;
  return current;
}

} // namespace stm::rt

#endif
