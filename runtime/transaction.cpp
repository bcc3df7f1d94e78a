#include "transaction.h"

#include "allocator.h"
#include "commit_log.h"
#include "diagnostics.h"
#include "heap.h"
#include "immortal.h"
#include "internal_memory.h"
#include "segment.h"
#include "threads.h"
#include "types.h"

#include <stmify/stm.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>

namespace stm::detail {
void publish_pending_tasks(std::vector<std::pair<queue_core *, task>> &tasks);
}

namespace stm::rt {

std::atomic<unsigned> g_inevitable_waiters{0};

namespace {

std::mutex g_inevitable_lock;
struct inevitable_wait_tag;
std::condition_variable &inevitable_cv() {
  return immortal<std::condition_variable, inevitable_wait_tag>();
}
std::atomic<thread_record *> g_inevitable_holder{nullptr};
// Commits a segment makes between two attempts to free old log entries.
constexpr unsigned kReclaimEvery = 256;

void set_write_barrier(std::uintptr_t base, std::uintptr_t object, std::uint32_t header) {
  auto *h = reinterpret_cast<stm_object_t *>(base + object + header);
  h->stm_flags |= _STM_GCFLAG_WRITE_BARRIER;
}

// Says "this transaction backed the card up" (see _stm_card_flag).
unsigned char *card_flag(const segment &seg, std::uintptr_t object, std::uintptr_t card) {
  return g_heap.marker(seg.base, card == object ? object + kGranule : card);
}

// Cards of large arrays written by the transaction: their flags are cleared,
// so the next transaction backs them up again.
void clear_card_flags(segment &seg) {
  for (const write_record &w : seg.tx.writes)
    if (!w.whole())
      *card_flag(seg, w.object, w.start) = 0;
}

// Waits until the inevitable transaction that follows `tail` has finished.
bool wait_while_inevitable(commit_entry *tail) noexcept {
  if (g_never_block)
    return false;
  g_inevitable_waiters.fetch_add(1, std::memory_order_seq_cst);
  poke(g_inevitable_holder.load(std::memory_order_acquire));
  wait_stopped(*current_thread(), [&] {
    std::unique_lock<std::mutex> lock(g_inevitable_lock);
    inevitable_cv().wait(lock, [&] {
      return tail->next.load(std::memory_order_acquire) != kInevitable;
    });
  });
  g_inevitable_waiters.fetch_sub(1, std::memory_order_seq_cst);
  return true;
}

void wake_inevitable_waiters() noexcept {
  { std::lock_guard<std::mutex> lock(g_inevitable_lock); }
  inevitable_cv().notify_all();
}

// One record per object written or created, with its current bytes from seg.
commit_entry *build_entry(segment &seg) {
  transaction_state &tx = seg.tx;
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
    r->reserved = 0;
    std::memcpy(r->bytes(), reinterpret_cast<const void *>(seg.base + start), size);
    if (r->whole()) // others see the object as committed: written in full next time
      reinterpret_cast<stm_object_t *>(r->bytes() + header)->stm_flags |=
          _STM_GCFLAG_WRITE_BARRIER;
    r = r->next();
  };
  for (const auto &w : tx.writes)
    add(w.start, w.object, w.size, w.header, w.card);
  for (const auto &c : tx.created)
    add(c.start, c.start, c.size, c.header, false);
  return e;
}

// Appends e after the newest entry, validating first. Returns false if the
// (atomic) transaction lost a conflict.
bool append(segment &seg, commit_entry *e) noexcept {
  for (;;) {
    if (!validate(seg))
      return false;
    commit_entry *tail = seg.last_seen.load(std::memory_order_relaxed);
    e->revision = tail->revision + 1;
    commit_entry *expected = nullptr;
    if (tail->next.compare_exchange_strong(expected, e, std::memory_order_acq_rel,
                                           std::memory_order_acquire)) {
      seg.last_seen.store(e, std::memory_order_release);
      return true;
    }
    if (expected == kInevitable && !wait_while_inevitable(tail)) {
      if (seg.tx.kind != tx_kind::atomic)
        fatal("test mode: a transaction outside atomic blocks would wait for "
              "the inevitable transaction");
      seg.tx.doomed = true;
      return false;
    }
  }
}

// The inevitable transaction holds the end of the log, so its entry goes
// there without validation.
void append_inevitable(segment &seg, commit_entry *e) noexcept {
  commit_entry *tail = seg.last_seen.load(std::memory_order_relaxed);
  e->revision = tail->revision + 1;
  seg.last_seen.store(e, std::memory_order_release);
  seg.tx.inevitable = false;
  g_inevitable_holder.store(nullptr, std::memory_order_release);
  tail->next.store(e, std::memory_order_release);
  wake_inevitable_waiters();
}

void maybe_reclaim(segment &seg) noexcept {
  if (++seg.commits_since_reclaim >= kReclaimEvery) {
    seg.commits_since_reclaim = 0;
    reclaim_log();
  }
}

// Publishes the transaction's writes and new objects (if any) and releases
// the inevitable slot. Returns false if an atomic transaction lost a conflict;
// the transaction is then left for abort_transaction.
bool publish(segment &seg) noexcept {
  transaction_state &tx = seg.tx;
  if (!tx.has_effects()) {
    if (tx.inevitable)
      release_inevitable(seg);
    return true;
  }
  commit_entry *e = build_entry(seg);
  if (tx.inevitable) {
    append_inevitable(seg, e);
  } else if (!append(seg, e)) {
    free_entry(e);
    return false;
  }
  for (const auto &w : tx.writes)
    if (w.whole())
      set_write_barrier(seg.base, w.object, w.header);
  for (const auto &c : tx.created)
    set_write_barrier(seg.base, c.start, c.header);
  clear_card_flags(seg);
  maybe_reclaim(seg);
  return true;
}

void next_read_version(thread_record &t, segment &seg) noexcept {
  if (seg.read_version == 255) {
    clear_markers(seg.base, heap_top());
    seg.read_version = 1;
  } else {
    ++seg.read_version;
  }
  t.view->read_version = static_cast<_stm_read_version_t>(seg.read_version);
}

void abort_transaction(thread_record &t) noexcept {
  segment &seg = *t.seg;
  transaction_state &tx = seg.tx;
  if (tx.inevitable)
    fatal("an inevitable transaction cannot be rolled back");
  // Newest first: a card backed up before its whole object was must end up
  // with the card's older bytes.
  for (auto it = tx.writes.rbegin(); it != tx.writes.rend(); ++it)
    std::memcpy(reinterpret_cast<void *>(seg.base + it->start), it->backup, it->size);
  clear_card_flags(seg);
  for (const auto &c : tx.created)
    free_unpublished(seg, c.start);
  for (auto it = tx.preserved.rbegin(); it != tx.preserved.rend(); ++it)
    std::memcpy(it->address, tx.preserved_bytes.data() + it->saved, it->size);
  t.pending_tasks.clear();
  ++seg.stats.aborts;
  ++t.consecutive_aborts;
  tx.clear();
  t.view->atomic_depth = 0;
  begin_ambient(t);
}

thread_record &running_thread(const char *what) noexcept {
  thread_record *t = current_thread();
  if (!t || !t->seg)
    fatal("%s in a thread that is not attached to the runtime", what);
  return *t;
}

} // namespace

// ------------------------------------------------------------ arena / state

unsigned char *byte_arena::allocate(std::size_t n) {
  while (current_ < chunks_.size() && used_ + n > chunks_[current_].size) {
    ++current_;
    used_ = 0;
  }
  if (current_ == chunks_.size()) {
    std::size_t size = std::max<std::size_t>(n, std::size_t(64) << 10);
    chunks_.push_back({static_cast<unsigned char *>(internal_allocate(size)), size});
    used_ = 0;
  }
  unsigned char *p = chunks_[current_].bytes + used_;
  used_ += round_up(n, kGranule);
  return p;
}

void byte_arena::reset() noexcept { current_ = used_ = 0; }

void transaction_state::clear() noexcept {
  kind = tx_kind::none;
  inevitable = false;
  doomed = false;
  site = nullptr;
  inevitable_reason = nullptr;
  writes.clear();
  created.clear();
  created_bytes = 0;
  backups.reset();
  preserved.clear();
  preserved_bytes.clear();
}

// ------------------------------------------------------------ engine

bool validate(segment &seg) noexcept {
  transaction_state &tx = seg.tx;
  if (tx.inevitable)
    return true;
  if (tx.doomed)
    return false;
  const bool check = tx.kind == tx_kind::atomic;
  commit_entry *cur = seg.last_seen.load(std::memory_order_relaxed);
  for (;;) {
    commit_entry *next = cur->next.load(std::memory_order_acquire);
    if (next == nullptr || next == kInevitable)
      return true;
    if (check && conflicts(seg, *next)) {
      tx.doomed = true;
      return false;
    }
    import_entry(seg, *next);
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
    commit_entry *expected = nullptr;
    if (tail->next.compare_exchange_strong(expected, kInevitable, std::memory_order_acq_rel,
                                           std::memory_order_acquire)) {
      tx.inevitable = true;
      tx.inevitable_reason = reason;
      g_inevitable_holder.store(&t, std::memory_order_release);
      ++seg.stats.inevitable;
      return true;
    }
    if (expected == kInevitable && !wait_while_inevitable(tail)) {
      if (tx.kind == tx_kind::atomic)
        tx.doomed = true;
      return false;
    }
  }
}

void release_inevitable(segment &seg) noexcept {
  commit_entry *tail = seg.last_seen.load(std::memory_order_relaxed);
  seg.tx.inevitable = false;
  g_inevitable_holder.store(nullptr, std::memory_order_release);
  tail->next.store(nullptr, std::memory_order_release);
  wake_inevitable_waiters();
}

void begin_ambient(thread_record &t) noexcept {
  segment &seg = *t.seg;
  seg.tx.clear();
  seg.tx.kind = tx_kind::ambient;
  t.ambient_visits = 0;
  validate(seg);
}

void end_ambient(thread_record &t) noexcept {
  segment &seg = *t.seg;
  if (seg.tx.kind == tx_kind::atomic)
    fatal("a thread gave up its segment inside an atomic block");
  if (seg.tx.has_effects())
    ++seg.stats.ambient_commits;
  if (!publish(seg))
    fatal("a transaction outside atomic blocks failed to commit");
  seg.tx.clear();
}

void restart_ambient(thread_record &t) noexcept {
  end_ambient(t);
  begin_ambient(t);
}

} // namespace stm::rt

// ================================================================== C ABI

using namespace stm::rt;

void _stm_atomic_begin(const char *site) noexcept {
  thread_record &t = attached_thread();
  segment &seg = *t.seg;
  if (seg.tx.kind == tx_kind::atomic)
    fatal("an atomic transaction began inside another one");
  end_ambient(t);
  seg.tx.kind = tx_kind::atomic;
  seg.tx.site = site;
  next_read_version(t, seg);
  t.view->atomic_depth = 1;
  validate(seg); // imports only: the fresh read version has no markers yet
  if (t.consecutive_aborts >= g_config.retry_limit)
    become_inevitable(t, "retry limit reached");
}

int _stm_atomic_commit(void) noexcept {
  thread_record &t = running_thread("commit");
  segment &seg = *t.seg;
  if (seg.tx.kind != tx_kind::atomic)
    fatal("commit without an atomic transaction");
  if (seg.tx.doomed || !publish(seg)) {
    abort_transaction(t);
    return 0;
  }
  ++seg.stats.commits;
  t.consecutive_aborts = 0;
  seg.tx.clear();
  t.view->atomic_depth = 0;
  if (!t.pending_tasks.empty())
    stm::detail::publish_pending_tasks(t.pending_tasks);
  begin_ambient(t);
  return 1;
}

void _stm_atomic_rollback(void) noexcept {
  thread_record &t = running_thread("rollback");
  if (t.seg->tx.kind != tx_kind::atomic)
    fatal("rollback without an atomic transaction");
  abort_transaction(t);
}

void _stm_ambient_boundary(const char * /*what*/) noexcept {
  thread_record *t = current_thread();
  if (t && t->seg && t->seg->tx.kind == tx_kind::ambient)
    restart_ambient(*t);
}

void _stm_blocking_begin(const char * /*what*/) noexcept {
  thread_record *t = current_thread();
  if (t && t->seg) {
    detach(*t);
    t->detached_for_blocking = true;
  }
}

void _stm_blocking_end(void) noexcept {
  thread_record *t = current_thread();
  if (t && t->detached_for_blocking) {
    t->detached_for_blocking = false;
    reattach(*t);
  }
}

void _stm_preserve(void *address, size_t size) noexcept {
  thread_record *t = current_thread();
  if (!t || !t->seg || t->seg->tx.kind != tx_kind::atomic)
    return;
  transaction_state &tx = t->seg->tx;
  std::size_t at = tx.preserved_bytes.size();
  auto *bytes = static_cast<const unsigned char *>(address);
  tx.preserved_bytes.insert(tx.preserved_bytes.end(), bytes, bytes + size);
  tx.preserved.push_back({address, size, at});
}

namespace {

// What every write slow path does first: code outside atomic blocks becomes
// inevitable, and a write marks the object read (so that write-write
// conflicts show up as write-read). Returns the object's type.
const stm_type_descriptor_t &prepare_write(thread_record &t, stm_object_t *local_header,
                                           const char *site) noexcept {
  segment &seg = *t.seg;
  if (seg.tx.kind == tx_kind::ambient && !seg.tx.inevitable &&
      !become_inevitable(t, site ? site : "write outside an atomic block"))
    fatal("test mode: a write outside atomic blocks would wait for the "
          "inevitable transaction");
  const std::uintptr_t header = g_heap.offset(local_header);
  *g_heap.marker(seg.base, header) = seg.read_version;
  const stm_type_descriptor_t *type = type_of(local_header->stm_tid);
  if (!type)
    fatal("write barrier on an object without a type (id %u) at heap offset %#lx",
          local_header->stm_tid, static_cast<unsigned long>(header));
  return *type;
}

// Bytes of the object at `object`: its type's size, or for objects of
// variable size (arrays) the allocation's.
std::size_t object_size(const stm_type_descriptor_t &type, std::uintptr_t object) {
  return type.size ? round_up(type.size, kGranule) : allocation_size(object);
}

void back_up(segment &seg, std::uintptr_t start, std::uintptr_t object, std::size_t size,
             std::size_t header, bool card) {
  unsigned char *backup = seg.tx.backups.allocate(size);
  std::memcpy(backup, reinterpret_cast<const void *>(seg.base + start), size);
  seg.tx.writes.push_back({start, object, static_cast<std::uint32_t>(size),
                           static_cast<std::uint16_t>(header), card, backup});
}

} // namespace

void _stm_write_slowpath(stm_object_t *local_header, const char *site) noexcept {
  thread_record &t = running_thread("write barrier");
  segment &seg = *t.seg;
  const stm_type_descriptor_t &type = prepare_write(t, local_header, site);
  const std::uintptr_t object = g_heap.offset(local_header) - type.header_offset;
  back_up(seg, object, object, object_size(type, object), type.header_offset, false);
  local_header->stm_flags &= ~_STM_GCFLAG_WRITE_BARRIER;
}

void _stm_write_card_slowpath(stm_object_t *local_header, size_t offset, const char *site) noexcept {
  thread_record &t = running_thread("write barrier");
  segment &seg = *t.seg;
  const stm_type_descriptor_t &type = prepare_write(t, local_header, site);
  const std::uintptr_t object = g_heap.offset(local_header) - type.header_offset;
  const std::size_t size = object_size(type, object);
  const std::uintptr_t card = object + offset / _STM_CARD_BYTES * _STM_CARD_BYTES;
  const std::size_t bytes = std::min<std::size_t>(_STM_CARD_BYTES, object + size - card);
  back_up(seg, card, object, round_up(bytes, kGranule), type.header_offset, true);
  *card_flag(seg, object, card) = 1;
}

void *stm_allocate(const stm_type_descriptor_t *type) noexcept {
  if (type->size == 0)
    fatal("stm_allocate: type %s has a variable size; use stm_allocate_sized", type->name);
  return stm_allocate_sized(type, type->size);
}

void *stm_allocate_sized(const stm_type_descriptor_t *type, size_t bytes) noexcept {
  if (type->tid == 0)
    fatal("stm_allocate: type %s is not registered", type->name);
  thread_record &t = attached_thread();
  segment &seg = *t.seg;
  const std::size_t size = round_up(bytes < kGranule ? kGranule : bytes, kGranule);
  bool zeroed = false;
  const std::uintptr_t start = allocate_object(seg, size, type->header_offset, zeroed);
  if (start == 0)
    return nullptr;
  void *local = reinterpret_cast<void *>(seg.base + start);
  if (!zeroed)
    std::memset(local, 0, size);
  reinterpret_cast<stm_object_t *>(static_cast<char *>(local) + type->header_offset)->stm_tid =
      type->tid;
  seg.tx.created.push_back(
      {start, static_cast<std::uint32_t>(size), static_cast<std::uint16_t>(type->header_offset)});
  // Code outside atomic blocks publishes what it allocated every so often, so
  // that the log and the collector's work stay small.
  seg.tx.created_bytes += size;
  if (seg.tx.kind == tx_kind::ambient && seg.tx.created_bytes > kAmbientPublishBytes)
    t.view->safe_point_countdown = 0;
  return local;
}

void _stm_free_unpublished(void *local) noexcept {
  thread_record &t = running_thread("free");
  segment &seg = *t.seg;
  const std::uintptr_t start = g_heap.offset(local);
  auto &created = seg.tx.created;
  auto it = std::find_if(created.rbegin(), created.rend(),
                         [&](const created_record &c) { return c.start == start; });
  if (it == created.rend())
    fatal("freeing an object that the running transaction did not create");
  created.erase(std::next(it).base());
  free_unpublished(seg, start);
}

void stm_start_transaction(void) noexcept {
  if (_stm_tls.atomic_depth > 0) {
    ++_stm_tls.atomic_depth;
    return;
  }
  _stm_atomic_begin(nullptr);
}

int stm_commit_transaction(void) noexcept {
  if (_stm_tls.atomic_depth == 0)
    fatal("stm_commit_transaction without stm_start_transaction");
  if (_stm_tls.atomic_depth > 1) {
    --_stm_tls.atomic_depth;
    return 0;
  }
  return _stm_atomic_commit() ? 0 : 1;
}

void stm_abort_transaction(void) noexcept {
  if (_stm_tls.atomic_depth == 0)
    return;
  _stm_atomic_rollback();
}

int stm_become_inevitable(const char *reason) noexcept {
  if (_stm_tls.atomic_depth == 0)
    return 0;
  return become_inevitable(running_thread("become_inevitable"), reason) ? 0 : 1;
}

int stm_is_inevitable(void) noexcept {
  thread_record *t = current_thread();
  return _stm_tls.atomic_depth > 0 && t && t->seg && t->seg->tx.inevitable;
}

int stm_is_atomic(void) noexcept { return _stm_tls.atomic_depth > 0; }

int stm_validate(void) noexcept {
  thread_record &t = attached_thread();
  return validate(*t.seg) ? 0 : 1;
}

void stm_hint_commit_soon(void) noexcept {
  thread_record *t = current_thread();
  if (t && t->seg && t->seg->tx.kind == tx_kind::ambient)
    restart_ambient(*t);
}
