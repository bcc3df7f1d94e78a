#include "transaction.h"

#include "allocator.h"
#include "commit_log.h"
#include "diagnostics.h"
#include "heap.h"
#include "immortal.h"
#include "internal_memory.h"
#include "sanitizer.h"
#include "segment.h"
#include "sync.h"
#include "types.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>

namespace stm::rt {

#ifdef STMIFY_TESTING
std::atomic<void (*)()> g_slot_release_hook{nullptr};
#endif

std::atomic<unsigned> g_inevitable_waiters{0};

namespace {

// --------------------------------------------------------- the inevitable slot

std::mutex g_inevitable_lock;
struct inevitable_wait_tag;
std::condition_variable &inevitable_cv() {
  return immortal<std::condition_variable, inevitable_wait_tag>();
}
std::atomic<thread_record *> g_inevitable_holder{nullptr};
// When reporting: why the holder became inevitable and its atomic block's
// site, copied (the reason need not outlive the transaction) under
// g_inevitable_lock with the generation in which it took the slot, so that a
// waiter names the transaction it waited for or none. The last few holders
// are kept: a waiter that wakes after the next holder took the slot still
// finds the one it waited for.
struct inevitable_cause {
  std::uint64_t generation = ~std::uint64_t(0);
  std::string reason, site;
};
constexpr std::size_t kKeptCauses = 8;
struct inevitable_cause_tag;
inevitable_cause &inevitable_cause_of(std::uint64_t generation) {
  return immortal<std::array<inevitable_cause, kKeptCauses>, inevitable_cause_tag>()[generation %
                                                                                     kKeptCauses];
}

void record_inevitable_cause(std::uint64_t generation, const char *reason,
                             const char *site) noexcept {
  std::lock_guard<std::mutex> lock(g_inevitable_lock);
  inevitable_cause &c = inevitable_cause_of(generation);
  try {
    c.reason = reason ? reason : "";
    c.site = site ? site : "";
    c.generation = generation;
  } catch (...) {
    c.generation = ~std::uint64_t(0); // out of memory: its waiters report no cause
  }
}
// Counts releases of the inevitable slot: a waiter waits for it to change.
std::atomic<std::uint64_t> g_inevitable_generation{0};
// When observing: the generation of the slot's last holder. A release opens
// the log before it moves the generation, so a new holder can take the slot
// before the move; it takes the generation after its predecessor's, not
// the counter, which may still be its predecessor's. Written by the holder
// before it releases, read by the next after it took the slot: the slot's
// own handover orders them.
std::atomic<std::uint64_t> g_holder_generation{~std::uint64_t(0)};

// The suspended inevitable transaction's segment (see suspend_inevitable).
std::mutex g_suspend_lock;
segment *g_suspended = nullptr; // guarded by g_suspend_lock
std::atomic<bool> g_suspension{false};

// Commits a segment makes between two attempts to free old log entries.
constexpr unsigned kReclaimEvery = 256;

void report_inevitable_holder() noexcept {
  say_watchdog("a transaction waits for the inevitable transaction to finish:");
  if (thread_record *holder = g_inevitable_holder.load(std::memory_order_acquire))
    describe_thread(*holder, "holds the inevitable slot");
}

void wake_inevitable_waiters() noexcept {
  {
    std::lock_guard<std::mutex> lock(g_inevitable_lock);
  }
  inevitable_cv().notify_all();
}

// Waits until the inevitable transaction that held the slot at `generation`
// has finished or, if or_suspended, has become suspended. False in test mode
// (which never waits).
bool wait_for_inevitable(std::uint64_t generation, bool or_suspended) noexcept {
  if (g_never_block)
    return false;
  const std::int64_t began = g_observing ? monotonic_ns() : 0;
  g_inevitable_waiters.fetch_add(1, std::memory_order_seq_cst);
  poke(g_inevitable_holder.load(std::memory_order_acquire));
  wait_stopped(*current_thread(), [&] {
    std::unique_lock<std::mutex> lock(g_inevitable_lock);
    watched_wait(
        inevitable_cv(), lock,
        [&] {
          return g_inevitable_generation.load(std::memory_order_acquire) != generation ||
                 (or_suspended && g_suspension.load(std::memory_order_acquire));
        },
        report_inevitable_holder);
  });
  g_inevitable_waiters.fetch_sub(1, std::memory_order_seq_cst);
  if (g_observing) {
    const std::int64_t paused = monotonic_ns() - began;
    const segment *seg = current_thread()->seg;
    const char *waiting_site = seg && seg->tx.kind == tx_kind::atomic ? seg->tx.site : nullptr;
    const unsigned index = seg ? seg->index : 0;
    std::lock_guard<std::mutex> lock(g_inevitable_lock);
    const inevitable_cause &c = inevitable_cause_of(generation);
    if (c.generation == generation)
      note_inevitable_wait(index, generation, c.reason.c_str(), c.site.c_str(), waiting_site,
                           paused);
    else
      note_inevitable_wait(index, generation, nullptr, nullptr, waiting_site, paused);
  }
  return true;
}

// Gives the slot up by writing `next` where the log ended in kInevitable. The
// generation moves only after that write: a waiter that loaded the old
// generation and then found kInevitable in the log must be woken, and one
// that loads the new generation must find the log open (or a new holder).
// The holder is cleared before, so that it never erases a new holder.
void release_slot(const segment &seg, commit_entry *tail, commit_entry *next) noexcept {
  g_inevitable_holder.store(nullptr, std::memory_order_release);
  tail->next.store(next, std::memory_order_release);
#ifdef STMIFY_TESTING
  if (void (*hook)() = g_slot_release_hook.exchange(nullptr))
    hook();
#endif
  g_inevitable_generation.fetch_add(1, std::memory_order_acq_rel);
  const unsigned waiters = g_inevitable_waiters.load(std::memory_order_relaxed);
  wake_inevitable_waiters();
  // From the holder's own copy: the shared one may already be the next
  // holder's. After the wake-up, so that no waiter waits for a message.
  if (g_observing)
    note_inevitable_end(seg, waiters);
}

// --------------------------------------------------------- building entries

void set_write_barrier(std::uintptr_t base, std::uintptr_t object, std::uint32_t header) {
  auto *h = reinterpret_cast<stm_object_t *>(base + object + header);
  h->stm_flags |= _STM_GCFLAG_WRITE_BARRIER;
}

// Cards of large arrays written by the transaction: their flags are cleared,
// so the next transaction backs them up again.
void clear_card_flags(segment &seg) {
  for (const write_record &w : seg.tx.writes)
    if (!w.whole())
      *card_flag(seg, w.object, w.start) = 0;
}

// One record per object written or created, with its current bytes from seg.
commit_entry *build_entry(segment &seg) {
  transaction_state &tx = seg.tx;
  if (g_heap.sanitizer)
    check_stored_references(seg);
  std::size_t payload = 0;
  for (const auto &w : tx.writes)
    payload += sizeof(log_record) + w.size;
  for (const auto &c : tx.created)
    payload += sizeof(log_record) + c.size;
  commit_entry *e = new_entry(seg, payload);
  e->records = static_cast<std::uint32_t>(tx.writes.size() + tx.created.size());
  log_record *r = e->first();
  auto add = [&](std::uintptr_t start, std::uintptr_t object, std::uint32_t size,
                 std::uint16_t header, bool card) {
    r->start = start;
    r->object = object;
    r->size = size;
    r->header = header;
    r->flags = card ? kRecordCard : 0;
    r->site = nullptr;
    copy_granules(r->bytes(), reinterpret_cast<const unsigned char *>(seg.base + start), size);
    if (r->whole()) // others see the object as committed: written in full next time
      reinterpret_cast<stm_object_t *>(r->bytes() + header)->stm_flags |= _STM_GCFLAG_WRITE_BARRIER;
    r = r->next();
  };
  for (const auto &w : tx.writes)
    add(w.start, w.object, w.size, w.header, w.card);
  for (const auto &c : tx.created)
    add(c.start, c.start, c.size, c.header, false);
  if (__builtin_expect(g_observing, 0))
    label_records(*e, tx);
  return e;
}

// After the transaction's entry went into the log: its objects count as
// committed in its own segment too, and it owns no writes any more.
void finish_publication(segment &seg) noexcept {
  transaction_state &tx = seg.tx;
  for (const auto &w : tx.writes)
    if (w.whole())
      set_write_barrier(seg.base, w.object, w.header);
  for (const auto &c : tx.created)
    set_write_barrier(seg.base, c.start, c.header);
  clear_card_flags(seg);
  if (++seg.commits_since_reclaim >= kReclaimEvery) {
    seg.commits_since_reclaim = 0;
    reclaim_log();
  }
}

// --------------------------------------------------------- appending

enum class suspended_append { appended, retry, conflict };

// Appends e after `tail` while the inevitable transaction is suspended, if
// e writes nothing that transaction read or wrote.
suspended_append append_while_suspended(segment &seg, commit_entry *e,
                                        commit_entry *tail) noexcept {
  std::lock_guard<std::mutex> lock(g_suspend_lock);
  if (tail->next.load(std::memory_order_acquire) != kSuspended || !g_suspended)
    return suspended_append::retry;
  if (conflicts(*g_suspended, *e))
    return suspended_append::conflict;
  e->next.store(kSuspended, std::memory_order_relaxed);
  tail->next.store(e, std::memory_order_release);
  seg.last_seen.store(e, std::memory_order_release);
  return suspended_append::appended;
}

// Puts e after the newest entry seg has seen, if nothing is there yet;
// otherwise leaves what is there (another entry, or the inevitable or
// suspended marker) in `found` and returns false.
bool link_after_last_seen(segment &seg, commit_entry *e, commit_entry *&found) noexcept {
  commit_entry *tail = seg.last_seen.load(std::memory_order_relaxed);
  e->revision = tail->revision + 1;
  found = nullptr;
  if (!tail->next.compare_exchange_strong(found, e, std::memory_order_acq_rel,
                                          std::memory_order_acquire))
    return false;
  seg.last_seen.store(e, std::memory_order_release);
  return true;
}

// Appends the transaction's entry after the newest one, validating (and, for
// an ambient transaction, importing) first. An atomic transaction that lost a
// conflict gets false. An ambient one gets false only when it would have to
// wait and may not.
bool append(segment &seg, bool may_wait) noexcept {
  transaction_state &tx = seg.tx;
  commit_entry *e = nullptr;
  std::uint64_t built_at = 0;
  for (;;) {
    if (!validate(seg)) {
      if (e)
        free_entry(e);
      return false;
    }
    // Imports that kept this transaction's bytes changed what it publishes.
    if (!e || built_at != tx.merged_imports) {
      if (e)
        free_entry(e);
      e = build_entry(seg);
      built_at = tx.merged_imports;
    }
    // Loaded before the log's end is read: a release of the inevitable slot
    // after that read moves the generation past it, which the wait sees.
    const std::uint64_t generation = g_inevitable_generation.load(std::memory_order_acquire);
    commit_entry *expected;
    if (link_after_last_seen(seg, e, expected))
      return true;
    bool wait_for_end = false;
    if (expected == kSuspended) {
      switch (append_while_suspended(seg, e, seg.last_seen.load(std::memory_order_relaxed))) {
      case suspended_append::appended:
        return true;
      case suspended_append::retry:
        continue;
      case suspended_append::conflict:
        wait_for_end = true;
        break;
      }
    } else if (expected != kInevitable) {
      continue; // someone appended first: import it and try again
    }
    if (!may_wait || !wait_for_inevitable(generation, !wait_for_end)) {
      free_entry(e);
      if (tx.kind == tx_kind::atomic) {
        tx.doomed = true; // test mode: waiting becomes an abort
        return false;
      }
      if (may_wait)
        fatal("test mode: a transaction outside atomic blocks would wait for "
              "the inevitable transaction");
      return false;
    }
  }
}

} // namespace

bool append_unmoved(segment &seg) noexcept {
  runtime_scope scope; // a new entry may take the internal allocator's lock
  commit_entry *e = build_entry(seg);
  commit_entry *found;
  if (!link_after_last_seen(seg, e, found)) {
    free_entry(e);
    return false;
  }
  finish_publication(seg);
  return true;
}

namespace {

// The inevitable transaction holds the end of the log, so its entry goes
// there without validation.
void append_inevitable(segment &seg, commit_entry *e) noexcept {
  commit_entry *tail = seg.last_seen.load(std::memory_order_relaxed);
  e->revision = tail->revision + 1;
  seg.last_seen.store(e, std::memory_order_release);
  seg.tx.inevitable = false;
  release_slot(seg, tail, e);
}

void release_inevitable(segment &seg) noexcept {
  commit_entry *tail = seg.last_seen.load(std::memory_order_relaxed);
  seg.tx.inevitable = false;
  release_slot(seg, tail, nullptr);
}

namespace {

// stm::make sets the flag before the constructor runs, and clears it and
// sets the type id after; value-initialisation (a class whose constructor
// the compiler makes) zeroes the whole header first, flag and id.
bool under_construction(const segment &seg, const created_record &c) {
  const auto *header = reinterpret_cast<const stm_object_t *>(seg.base + c.start + c.header);
  return (header->stm_flags & _STM_GCFLAG_CONSTRUCTING) != 0 || header->stm_tid == 0;
}

// Objects whose constructor is still running are not published half made:
// they leave the transaction for the segment's `constructing` list.
void set_aside_constructing(segment &seg) {
  transaction_state &tx = seg.tx;
  for (auto it = tx.created.begin(); it != tx.created.end();)
    if (under_construction(seg, *it)) {
      seg.constructing.push_back(*it);
      tx.created_bytes -= it->size;
      it = tx.created.erase(it);
    } else {
      ++it;
    }
}

// Code outside atomic blocks goes on constructing them.
void take_back_constructing(segment &seg) {
  for (const created_record &c : seg.constructing) {
    seg.tx.created.push_back(c);
    seg.tx.created_bytes += c.size;
  }
  seg.constructing.clear();
}

bool publish_effects(segment &seg, bool may_wait) noexcept {
  transaction_state &tx = seg.tx;
  if (!tx.has_effects()) {
    if (tx.inevitable)
      release_inevitable(seg);
    return true;
  }
  if (tx.inevitable)
    append_inevitable(seg, build_entry(seg));
  else if (!append(seg, may_wait))
    return false;
  finish_publication(seg);
  return true;
}

} // namespace

// Publishes the transaction's writes and new objects (if any) and releases
// the inevitable slot. Returns false if an atomic transaction lost a conflict
// (it is then left for abort_atomic), or if an ambient one would have to wait
// and may not. Objects still being constructed outside atomic blocks wait for
// a later publication.
__attribute__((noinline)) bool publish_changes(segment &seg, bool may_wait) noexcept {
  transaction_state &tx = seg.tx;
  if (tx.kind == tx_kind::ambient)
    set_aside_constructing(seg);
  const bool published = publish_effects(seg, may_wait);
  if (!published && tx.kind == tx_kind::ambient)
    take_back_constructing(seg); // the transaction goes on
  return published;
}

// Inline: most transactions that end have nothing to publish (an atomic
// block that only read, the ambient transaction an atomic block follows).
inline bool publish(segment &seg, bool may_wait) noexcept {
  const transaction_state &tx = seg.tx;
  return (!tx.has_effects() && !tx.inevitable) || publish_changes(seg, may_wait);
}

void next_read_version(thread_record &t, segment &seg) noexcept {
  if (seg.read_version == kLastReadVersion) {
    reset_markers(seg.base, heap_top());
    seg.read_version = 1;
  } else {
    ++seg.read_version;
  }
  t.view->read_version = static_cast<_stm_read_version_t>(seg.read_version);
}

} // namespace

// ------------------------------------------------------------ state

unsigned char *card_flag(const segment &seg, std::uintptr_t object, std::uintptr_t card) {
  // The first byte of the marker of a granule where no header lies (see
  // _stm_card_flag).
  return reinterpret_cast<unsigned char *>(
      g_heap.marker(seg.base, card == object ? object + kGranule : card));
}

// ------------------------------------------------------------ engine

bool validate(segment &seg) noexcept {
  transaction_state &tx = seg.tx;
  if (tx.inevitable)
    return true; // it holds the end of the log
  if (tx.doomed)
    return false;
  const bool check = tx.kind == tx_kind::atomic;
  commit_entry *cur = seg.last_seen.load(std::memory_order_relaxed);
  for (;;) {
    commit_entry *next = cur->next.load(std::memory_order_acquire);
    if (is_log_end(next))
      return true;
    if (check) {
      if (const log_record *r = conflicting_record(seg, *next)) {
        tx.doomed = true;
        if (g_observing)
          tx.conflict = describe_conflict(seg, *r);
        return false;
      }
    }
    if (import_entry(seg, *next))
      ++tx.merged_imports;
    cur = next;
    seg.last_seen.store(cur, std::memory_order_release);
  }
}

bool become_inevitable(thread_record &t, const char *reason) noexcept {
  segment &seg = *t.seg;
  transaction_state &tx = seg.tx;
  if (tx.inevitable)
    return true;
  for (;;) {
    if (!validate(seg))
      return false;
    commit_entry *tail = seg.last_seen.load(std::memory_order_relaxed);
    const std::uint64_t generation = g_inevitable_generation.load(std::memory_order_acquire);
    commit_entry *expected = nullptr;
    if (tail->next.compare_exchange_strong(expected, kInevitable, std::memory_order_acq_rel,
                                           std::memory_order_acquire)) {
      tx.inevitable = true;
      tx.inevitable_reason = reason;
      if (g_observing) {
        const std::uint64_t own = g_holder_generation.load(std::memory_order_relaxed) + 1;
        g_holder_generation.store(own, std::memory_order_relaxed);
        record_inevitable_cause(own, reason, tx.kind == tx_kind::atomic ? tx.site : nullptr);
        note_inevitable(seg, own, reason);
      }
      g_inevitable_holder.store(&t, std::memory_order_release);
      ++seg.stats.inevitable;
      return true;
    }
    if ((expected == kInevitable || expected == kSuspended) &&
        !wait_for_inevitable(generation, false)) {
      if (tx.kind == tx_kind::atomic)
        tx.doomed = true;
      return false;
    }
  }
}

void publish_inevitable_progress(segment &seg) noexcept {
  transaction_state &tx = seg.tx;
  if (!tx.inevitable)
    return;
  // Objects whose constructor is still running stay the transaction's.
  std::vector<created_record> building;
  std::erase_if(tx.created, [&](const created_record &c) {
    if (!under_construction(seg, c))
      return false;
    building.push_back(c);
    tx.created_bytes -= c.size;
    return true;
  });
  auto keep_building = [&] {
    for (const created_record &c : building) {
      tx.created.push_back(c);
      tx.created_bytes += c.size;
    }
  };
  if (!tx.has_effects()) {
    keep_building();
    return;
  }
  commit_entry *e = build_entry(seg);
  e->next.store(kInevitable, std::memory_order_relaxed); // it keeps the slot
  commit_entry *tail = seg.last_seen.load(std::memory_order_relaxed);
  e->revision = tail->revision + 1;
  seg.last_seen.store(e, std::memory_order_release);
  tail->next.store(e, std::memory_order_release);
  finish_publication(seg);
  tx.writes.clear();
  tx.forget_write_index();
  tx.created.clear();
  tx.created_bytes = 0;
  tx.backups.reset();
  keep_building();
}

void suspend_inevitable(segment &seg) noexcept {
  {
    std::lock_guard<std::mutex> lock(g_suspend_lock);
    g_suspended = &seg;
    seg.last_seen.load(std::memory_order_relaxed)
        ->next.store(kSuspended, std::memory_order_release);
    g_suspension.store(true, std::memory_order_release);
  }
  wake_inevitable_waiters();
}

void resume_inevitable(segment &seg) noexcept {
  std::lock_guard<std::mutex> lock(g_suspend_lock);
  commit_entry *cur = seg.last_seen.load(std::memory_order_relaxed);
  for (commit_entry *next; (next = cur->next.load(std::memory_order_acquire)) != kSuspended;
       cur = next)
    import_entry(seg, *next); // touches nothing the transaction read or wrote
  seg.last_seen.store(cur, std::memory_order_release);
  cur->next.store(kInevitable, std::memory_order_release);
  g_suspended = nullptr;
  g_suspension.store(false, std::memory_order_release);
}

bool g_quick_blocks = false;

void setup_transactions() noexcept {
  g_quick_blocks = !g_observing && !g_heap.sanitizer && g_config.force_aborts == 0;
}

// ------------------------------------------------------------ ambient

void begin_ambient(thread_record &t, bool continues) noexcept {
  segment &seg = *t.seg;
  seg.tx.clear();
  seg.tx.kind = tx_kind::ambient;
  t.ambient_visits = 0;
  take_back_constructing(seg);
  if (g_heap.sanitizer)
    open_views(t, seg, !continues);
  validate(seg);
}

void end_ambient(thread_record &t) noexcept {
  segment &seg = *t.seg;
  if (seg.tx.kind == tx_kind::atomic)
    fatal("a thread gave up its segment inside an atomic block");
  if (seg.tx.has_effects())
    ++seg.stats.ambient_commits;
  publish(seg, true);
  seg.tx.clear();
}

void restart_ambient(thread_record &t) noexcept {
  end_ambient(t);
  begin_ambient(t, true);
}

bool try_restart_ambient(thread_record &t) noexcept {
  segment &seg = *t.seg;
  const bool effects = seg.tx.has_effects();
  if (!publish(seg, false))
    return false;
  if (effects)
    ++seg.stats.ambient_commits;
  begin_ambient(t, true);
  return true;
}

void carry_constructing(thread_record &t, segment &seg) noexcept {
  for (const created_record &c : seg.constructing) {
    const auto *bytes = reinterpret_cast<const unsigned char *>(seg.base + c.start);
    t.carried.push_back({c.start, c.size, c.header, {bytes, bytes + c.size}});
  }
  seg.constructing.clear();
}

void unpack_constructing(thread_record &t, segment &seg, bool restore_bytes) noexcept {
  for (const thread_record::carried_object &c : t.carried) {
    if (restore_bytes)
      std::memcpy(reinterpret_cast<void *>(seg.base + c.start), c.bytes.data(), c.size);
    seg.constructing.push_back({c.start, c.size, c.header});
  }
  t.carried.clear();
}

// ------------------------------------------------------------ atomic

namespace {

// STMIFY_FORCE_ABORTS: the attempt is one of the first N of its block. An
// inevitable attempt cannot be rolled back, so it is never forced to.
bool forced_abort_due(const thread_record &t) noexcept {
  return t.consecutive_aborts < g_config.force_aborts && !t.seg->tx.inevitable;
}

std::uint64_t next_random(thread_record &t) noexcept {
  if (t.forced.random == 0)
    t.forced.random = 0x9e3779b97f4a7c15ull * (static_cast<std::uint64_t>(t.tid) + 1);
  t.forced.random ^= t.forced.random << 13;
  t.forced.random ^= t.forced.random >> 7;
  t.forced.random ^= t.forced.random << 17;
  return t.forced.random;
}

// A block's forced attempts abort at their commit, after every write of the
// body, until one of them has reached it and so counted the body's safe
// points (an attempt a real conflict stopped early has not); the later ones
// abort at a random one of those safe points (or, drawing one past the last,
// at the commit again), so that aborts also unwind from every part of a
// block. Forced attempts visit the runtime at every safe point to count them.
void plan_forced_abort(thread_record &t) noexcept {
  if (t.consecutive_aborts == 0)
    t.forced.measured = false;
  t.forced.step = 0;
  t.forced.abort_at =
      !t.forced.measured ? ~0u : static_cast<unsigned>(next_random(t) % (t.forced.body_length + 1));
  _stm_set_countdown(t.view, 0);
}

} // namespace

void begin_atomic(thread_record &t, const char *site) noexcept {
  segment &seg = *t.seg;
  if (seg.tx.kind == tx_kind::atomic)
    fatal("an atomic transaction began inside another one");
  end_ambient(t);
  seg.tx.kind = tx_kind::atomic;
  seg.tx.site = site;
  if (__builtin_expect(g_observing, 0))
    begin_observed_attempt(seg, t.consecutive_aborts);
  if (g_heap.sanitizer)
    open_views(t, seg, true);
  next_read_version(t, seg);
  t.view->atomic_depth = 1;
  validate(seg); // imports only: the fresh read version has no markers yet
  if (t.consecutive_aborts >= g_config.retry_limit)
    become_inevitable(t, "retry limit reached");
  else if (forced_abort_due(t))
    plan_forced_abort(t);
}

namespace {
// The locals a block begun quickly saved, oldest first, as _stm_preserve
// (abi.cpp) would have recorded them.
__attribute__((noinline)) void take_quick_locals(transaction_state &tx,
                                                 _stm_thread_view &view) noexcept {
  static_assert(sizeof(view.quick_locals[0].bytes) <= preserved_local::kKeptHere);
  transaction_state::rarely_used &rare = tx.rare();
  for (unsigned i = 0; i < view.quick_preserved; ++i) {
    const _stm_quick_local &quick = view.quick_locals[i];
    rare.preserve(quick.address, quick.bytes, quick.size);
  }
  view.quick_preserved = 0;
}
} // namespace

void settle_quick_block(thread_record &t) noexcept {
  _stm_thread_view &view = *t.view;
  const unsigned state = view.quick_state;
  __atomic_store_n(&view.quick_state, static_cast<std::uint8_t>(_STM_QUICK_OFF), __ATOMIC_RELAXED);
  // Armed, the transaction is the clean ambient one a commit left (see
  // arm_quick_blocks); the blocks begun quickly since took read versions
  // that the segment must not hand out again.
  segment &seg = *t.seg;
  seg.read_version = static_cast<read_marker>(view.read_version);
  if (state == _STM_QUICK_BEGUN) {
    seg.tx.kind = tx_kind::atomic;
    seg.tx.site = view.quick_site;
    seg.tx.frames_below = view.quick_frames_below;
    if (view.quick_preserved != 0)
      take_quick_locals(seg.tx, view);
  }
}

void doom_if_forced(thread_record &t) noexcept {
  if (!forced_abort_due(t))
    return;
  if (t.forced.step++ >= t.forced.abort_at && !t.seg->tx.doomed) {
    t.seg->tx.doomed = true;
    t.seg->tx.conflict.kind = conflict_kind::forced;
  }
  _stm_set_countdown(t.view, 0);
}

namespace {
void run_callbacks(std::vector<tx_callback> &callbacks) noexcept {
  std::vector<tx_callback> pending;
  pending.swap(callbacks);
  for (const tx_callback &c : pending)
    c.run(c.context);
}
} // namespace

void run_end_handlers(thread_record &t, std::vector<end_handler> &due, bool committed) noexcept {
  if (due.empty())
    return;
  const unsigned consecutive_aborts = t.consecutive_aborts;
  const auto forced = t.forced;
  t.consecutive_aborts = 0; // a block a handler runs starts as any block does
  for (const end_handler &h : due)
    (committed ? h.on_commit : h.on_abort)(h.context);
  if (!committed) {
    // A block the handlers committed may have armed the quick begin, which
    // must not start the retry: the retry limit counts it in begin_atomic.
    settle(t);
    t.consecutive_aborts = consecutive_aborts;
    t.forced = forced;
  }
}

bool commit_atomic(thread_record &t, std::vector<end_handler> &due) noexcept {
  segment &seg = *t.seg;
  const bool forced = forced_abort_due(t);
  if (forced && !t.forced.measured) {
    t.forced.body_length = t.forced.step;
    t.forced.measured = true;
  }
  if (seg.tx.doomed || forced || !publish(seg, true)) {
    if (forced && !seg.tx.doomed)
      seg.tx.conflict.kind = conflict_kind::forced;
    abort_atomic(t, rollback::abort, due);
    return false;
  }
  ++seg.stats.commits;
  if (__builtin_expect(g_observing, 0))
    note_commit(seg);
  t.consecutive_aborts = 0;
  std::vector<tx_callback> on_commit;
  if (seg.tx.uses_rare()) {
    on_commit.swap(seg.tx.rare().on_commit);
    due.swap(seg.tx.rare().handlers);
  }
  t.view->atomic_depth = 0;
  begin_ambient(t); // clears the transaction's state
  if (!on_commit.empty())
    run_callbacks(on_commit);
  return true;
}

void abort_atomic(thread_record &t, rollback kind, std::vector<end_handler> &due) noexcept {
  segment &seg = *t.seg;
  transaction_state &tx = seg.tx;
  if (tx.inevitable)
    fatal("an inevitable transaction cannot be rolled back");
  // Newest first: a card backed up before its whole object was must end up
  // with the card's older bytes.
  for (auto it = tx.writes.rbegin(); it != tx.writes.rend(); ++it)
    std::memcpy(reinterpret_cast<void *>(seg.base + it->start), it->backup, it->size);
  clear_card_flags(seg);
  std::vector<created_record> kept;
  if (kind == rollback::cancel)
    kept.swap(tx.created);
  else
    for (const auto &c : tx.created)
      free_unpublished(seg, c.start);
  std::vector<tx_callback> on_abort;
  if (tx.uses_rare()) {
    transaction_state::rarely_used &rare = tx.rare();
    for (auto it = rare.preserved.rbegin(); it != rare.preserved.rend(); ++it)
      std::memcpy(it->address, it->old_bytes(rare.preserved_bytes), it->size);
    on_abort.swap(rare.on_abort);
    due.swap(rare.handlers);
  }
  ++seg.stats.aborts;
  if (__builtin_expect(g_observing, 0))
    note_abort(seg, kind == rollback::cancel);
  t.consecutive_aborts = kind == rollback::abort ? t.consecutive_aborts + 1 : 0;
  t.view->atomic_depth = 0;
  begin_ambient(t); // clears the transaction's state
  // Objects a cancelled block created may still be referenced (by the
  // exception that cancelled it): they become the ambient transaction's.
  for (const created_record &c : kept) {
    tx.created.push_back(c);
    tx.created_bytes += c.size;
  }
  run_callbacks(on_abort);
}

} // namespace stm::rt
