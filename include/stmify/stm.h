/* stmify runtime — C ABI.
 *
 * Names: stm_* is the public API, _stm_* is internal (used by the inline fast
 * paths below and by the C++ layer in stm.hpp), STM_ and _STM_ are macros.
 *
 * A managed reference is an address in the runtime's canonical window, which is
 * never accessible: every access goes through a barrier that maps it into the
 * calling thread's segment. The barriers below return that segment-local address.
 * Objects start with (C) or contain (C++: the stm::object base) a stm_object_t
 * header.
 *
 * Threads attach to the runtime on their first stm_safe_point() or transaction;
 * a thread that is not attached faults on any barrier.
 */
#ifndef STMIFY_STM_H
#define STMIFY_STM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
namespace stm {
namespace detail {
/* Distinct (non-character) types: a marker store then does not force the
 * compiler to reload everything else, including the read version itself.
 * Two bytes: the markers are cleared when the version wraps, every 65 535
 * transactions of a segment. */
enum class read_marker : unsigned short {};
enum class read_version : unsigned short {};
/* The segment base and the offset mask: a store of the program's own `long`
 * or `unsigned long` then does not make the compiler reload them (and redo
 * every translation) after it. */
enum class segment_word : uintptr_t {};
} /* namespace detail */
} /* namespace stm */
typedef stm::detail::read_marker _stm_read_marker_t;
typedef stm::detail::read_version _stm_read_version_t;
typedef stm::detail::segment_word _stm_segment_word_t;
#define _STM_NOEXCEPT noexcept
extern "C" {
#else
typedef uint16_t _stm_read_marker_t;
typedef uint16_t _stm_read_version_t;
typedef uintptr_t _stm_segment_word_t;
#define _STM_NOEXCEPT
#endif

/* ------------------------------------------------------------------ objects */

typedef struct stm_object_s {
  uint32_t stm_flags; /* per-segment: _STM_GCFLAG_* */
  uint32_t stm_tid;   /* type id from stm_register_type; 0 while constructing */
} stm_object_t;

/* Set on every committed object in every segment: the next write takes the
 * slow path, which backs the object up. Clear on objects the running
 * transaction created or already backed up. */
#define _STM_GCFLAG_WRITE_BARRIER 0x1u
/* Set by stm::make while the object's constructor runs (as is a zero type
 * id, when value-initialisation zeroed the header): code outside atomic
 * blocks that publishes meanwhile (a nested stm::make, a safe point) keeps
 * the object to publish it whole, once the constructor has finished. */
#define _STM_GCFLAG_CONSTRUCTING 0x2u

/* Called by a trace function for every managed reference an object holds; ref
 * may be canonical, segment-local or null. */
typedef void (*stm_visit_fn)(void *ctx, const void *ref);
/* Visits the managed references of the object at obj (the start of the
 * allocation, in some segment). Must not use barriers. */
typedef void (*stm_trace_fn)(const void *obj, stm_visit_fn visit, void *ctx);

typedef struct stm_type_descriptor_s {
  const char *name;     /* for reports */
  size_t size;          /* bytes of one object; 0: variable (arrays) */
  size_t align;         /* alignment: a power of two, at most 16384 */
  size_t header_offset; /* where the stm_object_t lies inside the object */
  stm_trace_fn trace;   /* NULL: the object holds no managed references */
  uint32_t tid;         /* filled in by stm_register_type */
} stm_type_descriptor_t;

/* Registers a type (once; later calls with the same descriptor return the same
 * id) and returns its id, which is never 0. */
uint32_t stm_register_type(stm_type_descriptor_t *type) _STM_NOEXCEPT;

/* ------------------------------------------------------ thread-local state */

/* A local saved by _stm_preserve_quickly. */
struct _stm_quick_local {
  void *address;
  size_t size;
  unsigned char bytes[16];
};

struct _stm_thread_view {
  _stm_segment_word_t segment_base; /* 0 while not attached */
  _stm_segment_word_t offset_mask;  /* 0 while not attached */
  _stm_read_version_t read_version; /* marker value of the running transaction */
  uint8_t quick_state;              /* _STM_QUICK_*: see _stm_begin_quickly */
  uint8_t quick_preserved;          /* entries of quick_locals in use */
  int32_t safe_point_countdown;     /* the slow path runs when it drops below 0 */
  uint32_t atomic_depth;            /* nesting of atomic blocks */
  uint32_t nothrow_depth;           /* noexcept functions and destructors entered */
  uint32_t constructing_depth;      /* constructors that stm::make is running */
  void *thread;                     /* runtime-private */
  /* Bases of the views that stm_read and stm_write return in a program built
   * with STMIFY_SANITIZE: with the barrier sanitizer on, a read-only and a
   * read-write alias of the segment that exist for one transaction; otherwise
   * segment_base. */
  uintptr_t read_view_base;
  uintptr_t write_view_base;
  /* While the runtime has armed the quick begin (_STM_QUICK_ARMED): the
   * `next` link of the newest commit-log entry the segment has seen (null,
   * 1 or 2 while nothing newer is appended), the segment's count of commits,
   * and, once a block has begun quickly (_STM_QUICK_BEGUN), its site and the
   * stack pointer of the code that began it. */
  const uintptr_t *quick_log_end;
  uint64_t *quick_commits;
  const char *quick_site;
  uintptr_t quick_frames_below;
  /* Locals that a block begun quickly saved (_stm_preserve_quickly), oldest
   * first, for the runtime to restore should the block abort. */
  struct _stm_quick_local quick_locals[4];
};

extern __thread struct _stm_thread_view _stm_tls;
extern uintptr_t _stm_canonical_base; /* set before the first object exists */
extern uintptr_t _stm_segment_mask;
extern uintptr_t _stm_reservation_size; /* every window, from the canonical one */
/* Nonzero while STMIFY_REPORT, STMIFY_LOG or STMIFY_VERBOSE is on: read
 * barriers that name their site tell the runtime (set once, at start). */
extern unsigned char _stm_observing;
/* Defined by every file compiled with STMIFY_SANITIZE: the program was built
 * with the barrier sanitizer. */
extern __attribute__((weak)) int _stm_sanitized_build;

/* ------------------------------------------------------ barriers (inline) */

/* The barriers' fast paths, shared with the C++ API. */
/* The fast paths are C; in C++ their casts are still C casts. */
#if defined(__cplusplus) && defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif
#include <stmify/detail/barriers.h>
#if defined(__cplusplus) && defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* --------------------------------------------------------- safe points */

/* Returns nonzero when the running atomic transaction must abort and
 * may_abort is nonzero. Attaches an unattached thread. */
int _stm_safe_point_slowpath(int may_abort) _STM_NOEXCEPT;

/* A point where the runtime may validate, break a long transaction outside
 * atomic blocks, or stop the thread for a collection. Cheap: a decrement and a
 * predictable branch. From C it never aborts: a conflict found here makes the
 * next stm_commit_transaction() fail. */
static inline void stm_safe_point(void) {
  if (_stm_safe_point_due())
    (void)_stm_safe_point_slowpath(0);
}

/* --------------------------------------------------------- transactions */

/* Starts an atomic transaction (nested calls only count the depth). */
void stm_start_transaction(void) _STM_NOEXCEPT;
/* Ends one nesting level; at the outermost level commits. Returns 0 on
 * success; nonzero if the transaction conflicted: its effects are rolled back
 * and the caller should run it again from stm_start_transaction(). */
int stm_commit_transaction(void) _STM_NOEXCEPT;
/* Rolls the whole transaction back (all nesting levels). */
void stm_abort_transaction(void) _STM_NOEXCEPT;
/* Makes the running transaction inevitable: it can no longer abort, and no
 * other transaction commits until it does. reason appears in reports. Returns
 * 0 on success; nonzero if the transaction had already lost a conflict and
 * must be aborted (call stm_abort_transaction and retry). Outside atomic
 * blocks it always succeeds. */
int stm_become_inevitable(const char *reason) _STM_NOEXCEPT;
int stm_is_inevitable(void) _STM_NOEXCEPT;
int stm_is_atomic(void) _STM_NOEXCEPT;
/* Imports commits made by others; returns nonzero if the running atomic
 * transaction conflicts with them and must abort. */
int stm_validate(void) _STM_NOEXCEPT;
/* Asks the runtime to end the running transaction at the next opportunity. */
void stm_hint_commit_soon(void) _STM_NOEXCEPT;

/* The largest managed object, in bytes. */
#define STM_MAX_OBJECT_BYTES 0xFFFF0000u

/* Allocates a zeroed object of the given type in the running transaction and
 * returns its segment-local address (store stm_canonical() of it), or NULL if
 * the managed heap is full. The object stays private until the transaction
 * commits. More than STM_MAX_OBJECT_BYTES is a fatal error. */
void *stm_allocate(const stm_type_descriptor_t *type) _STM_NOEXCEPT;
/* The same for a type of variable size. */
void *stm_allocate_sized(const stm_type_descriptor_t *type, size_t bytes) _STM_NOEXCEPT;

/* ------------------------------------------------------------- services */

/* Number of segments: how many transactions can run in parallel. */
unsigned stm_segment_limit(void) _STM_NOEXCEPT;
/* A different positive number on every call, without conflicts. */
unsigned long long stm_count(void) _STM_NOEXCEPT;

typedef struct stm_statistics_s {
  uint64_t commits;             /* atomic blocks committed */
  uint64_t aborts;              /* attempts of atomic blocks rolled back */
  uint64_t inevitable;          /* transactions that became inevitable */
  uint64_t ambient_commits;     /* publications by code outside atomic blocks */
  uint64_t collections;         /* garbage collections */
  uint64_t gc_pause_ns;         /* total time threads were stopped for them */
  uint64_t gc_max_pause_ns;     /* the longest of those pauses */
  uint64_t live_bytes;          /* managed bytes alive after the last collection */
  uint64_t peak_resident_bytes; /* the process's peak resident memory */
} stm_statistics_t;

/* Totals since the process started, over all segments, and the process's
 * peak resident memory. */
void stm_get_statistics(stm_statistics_t *out) _STM_NOEXCEPT;

/* Collects garbage now (all threads stop at their next safe point). */
void stm_collect(void) _STM_NOEXCEPT;

/* The message of a failed allocation: names the limit and its variable. */
const char *stm_heap_exhausted_message(void) _STM_NOEXCEPT;

/* ------------------------------------------- internal: used by stm.hpp */

void _stm_atomic_begin(const char *site) _STM_NOEXCEPT;
int _stm_atomic_commit(void) _STM_NOEXCEPT;
void _stm_atomic_rollback(void) _STM_NOEXCEPT;
void _stm_ambient_boundary(const char *what) _STM_NOEXCEPT;
void _stm_preserve(void *addr, size_t size) _STM_NOEXCEPT;
void _stm_free_unpublished(void *local) _STM_NOEXCEPT;
/* The offset of the header of the object that holds the byte at `ref` (a
 * reference into any window, or canonical): for an access known only by the
 * address of an element inside its object. */
uintptr_t _stm_header_containing(const void *ref) _STM_NOEXCEPT;
/* Rolls the atomic transaction back but keeps the objects it created (they
 * become the thread's, outside atomic blocks): stm::atomic_cancel, whose
 * exception may refer to them. */
void _stm_atomic_cancel(void) _STM_NOEXCEPT;
/* The runtime's own work when the running atomic transaction ends: run once
 * when it commits, or once when it is rolled back, inside the runtime (they
 * must not block or run atomic blocks), before the program's handlers. */
void _stm_on_commit(void (*run)(void *), void *context) _STM_NOEXCEPT;
void _stm_on_abort(void (*run)(void *), void *context) _STM_NOEXCEPT;
/* A program's handler (stm::on_commit, stm::on_abort): when the running
 * atomic transaction ends, on_commit(context) or on_abort(context) runs, after
 * the callbacks above and outside the runtime, as the program's code. It may
 * block, and run atomic blocks, which start as any block does (no aborts in a
 * row behind them) and do not count as attempts of the one that ended. */
void _stm_add_end_handler(void (*on_commit)(void *), void (*on_abort)(void *),
                          void *context) _STM_NOEXCEPT;
/* Synchronisation the runtime cannot see (operations on std::atomic and the
 * like, inline in the program): before a release, the thread publishes what
 * it wrote; after an acquire, it refreshes its view. Blocking calls and the
 * pthread/libc synchronisation functions are intercepted by the runtime. */
void _stm_release_edge(const char *what) _STM_NOEXCEPT;
void _stm_acquire_edge(const char *what) _STM_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STMIFY_STM_H */
