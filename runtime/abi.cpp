// The C ABI (stm.h): what instrumented code and the C++ API call. Each entry
// point marks the thread as running runtime code (runtime_scope), so that
// the runtime's own locks are not mistaken for the program's blocking calls.
#include "allocator.h"
#include "diagnostics.h"
#include "gc.h"
#include "heap.h"
#include "sanitizer.h"
#include "segment.h"
#include "setup.h"
#include "sync.h"
#include "threads.h"
#include "transaction.h"
#include "transaction_fast_path.h"

#include <stmify/stm.h>

#include <algorithm>
#include <cstring>

using namespace stm::rt;

namespace {

// Safe-point visits after which code outside atomic blocks publishes what it
// did, so that other threads see it without a synchronisation edge.
constexpr unsigned kAmbientPublishVisits = 8;

thread_record &running_thread(const char *what) noexcept {
  thread_record *t = current_thread();
  if (!t || !t->seg)
    fatal("%s in a thread that is not attached to the runtime", what);
  return *t;
}

// Bytes of the object at `object`: its type's size, or for objects of
// variable size (arrays) the allocation's.
std::size_t object_size(const stm_type_descriptor_t &type, std::uintptr_t object) {
  return type.size ? round_up(type.size, kGranule) : allocation_size(object);
}

} // namespace

// ------------------------------------------------------------ safe points

int _stm_safe_point_slowpath(int may_abort) noexcept {
  // The thread may stop here (for a collection, or to let another thread use
  // its segment): its callers' registers must be on the stack.
  __builtin_unwind_init();
  thread_record *t = current_thread();
  if (!t || !t->seg) {
    attached_thread();
    return 0;
  }
  runtime_scope scope;
  if (stop_requested())
    park_for_stop(*t);
  segment &seg = *t->seg;
  _stm_set_countdown(t->view, static_cast<std::int32_t>(g_config.safe_point_interval));
  if (seg.tx.kind == tx_kind::atomic) {
    validate(seg);
    doom_if_forced(*t);
    return may_abort && seg.tx.doomed ? 1 : 0;
  }
  ++t->ambient_visits;
  // More threads than segments: take turns, unless a constructor is running.
  if (segment_waiters(seg) && t->view->constructing_depth == 0) {
    detach(*t);
    reattach(*t);
    return 0;
  }
  const bool publish_due = seg.tx.has_effects() && (t->ambient_visits >= kAmbientPublishVisits ||
                                                    seg.tx.created_bytes > kAmbientPublishBytes);
  if (!publish_due || !try_restart_ambient(*t))
    validate(seg);
  return 0;
}

// ------------------------------------------------------------ transactions

namespace {
__attribute__((noinline)) void begin_atomic_generally(const char *site,
                                                      std::uintptr_t frames_below) noexcept {
  thread_record &t = attached_thread();
  {
    runtime_scope scope;
    begin_atomic(t, site);
  }
  t.seg->tx.frames_below = frames_below;
}

__attribute__((noinline)) int commit_atomic_generally() noexcept {
  std::vector<end_handler> due;
  thread_record &t = running_thread("commit");
  bool committed;
  {
    runtime_scope scope;
    if (t.seg->tx.kind != tx_kind::atomic)
      fatal("commit without an atomic transaction");
    committed = commit_atomic(t, due);
  }
  if (!due.empty())
    run_end_handlers(t, due, committed);
  return committed ? 1 : 0;
}
} // namespace

__attribute__((noinline)) void _stm_atomic_begin(const char *site) noexcept {
  // The caller's stack pointer before the call: above this function's saved
  // frame pointer and return address.
  const auto frames_below =
      reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)) + 2 * sizeof(void *);
  thread_record *t = current_thread();
  if (!t || !t->seg || !begin_atomic_quickly(*t, site, frames_below))
    begin_atomic_generally(site, frames_below);
}

int _stm_atomic_commit(void) noexcept {
  thread_record *t = current_thread();
  if (t && t->seg && commit_atomic_quickly(*t)) {
    arm_quick_blocks_unchecked(*t);
    return 1;
  }
  const int committed = commit_atomic_generally();
  // Its end handlers may have run blocks, or the thread taken another segment.
  t = current_thread();
  if (committed && t && t->seg)
    arm_quick_blocks(*t);
  return committed;
}

namespace {
void roll_back(rollback kind, const char *what) noexcept {
  std::vector<end_handler> due;
  thread_record &t = running_thread(what);
  {
    runtime_scope scope;
    if (t.seg->tx.kind != tx_kind::atomic)
      fatal("%s without an atomic transaction", what);
    abort_atomic(t, kind, due);
  }
  if (!due.empty())
    run_end_handlers(t, due, false);
}
} // namespace

void _stm_atomic_rollback(void) noexcept { roll_back(rollback::abort, "rollback"); }

void _stm_atomic_cancel(void) noexcept { roll_back(rollback::cancel, "cancel"); }

void _stm_on_commit(void (*run)(void *), void *context) noexcept {
  thread_record &t = running_thread("on_commit");
  t.seg->tx.rare().on_commit.push_back({run, context});
}

void _stm_on_abort(void (*run)(void *), void *context) noexcept {
  thread_record &t = running_thread("on_abort");
  t.seg->tx.rare().on_abort.push_back({run, context});
}

void _stm_add_end_handler(void (*on_commit)(void *), void (*on_abort)(void *),
                          void *context) noexcept {
  thread_record &t = running_thread("end handler");
  if (t.seg->tx.kind != tx_kind::atomic)
    fatal("an end handler outside atomic blocks (it would never run)");
  t.seg->tx.rare().handlers.push_back({on_commit, on_abort, context});
}

void _stm_ambient_boundary(const char * /*what*/) noexcept {
  thread_record *t = current_thread();
  if (t && t->seg && t->seg->tx.kind == tx_kind::ambient) {
    runtime_scope scope;
    restart_ambient(*t);
  }
}

void _stm_release_edge(const char *what) noexcept {
  thread_record *t = program_thread();
  if (t && release_edge_needed(*t))
    release_edge(*t, what);
}

void _stm_acquire_edge(const char *what) noexcept {
  thread_record *t = program_thread();
  if (t && acquire_edge_needed(*t))
    acquire_edge(*t, what);
}

void _stm_preserve(void *address, size_t size) noexcept {
  thread_record *t = current_thread();
  if (!t || !t->seg || t->seg->tx.kind != tx_kind::atomic)
    return;
  transaction_state &tx = t->seg->tx;
  // A local of a function that the block called (which runs a nested block):
  // its frame is gone after an abort, and a restore would write into
  // whatever uses that stack then. The retry makes the local again.
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  if (t->stack_mapping_lo && a >= reinterpret_cast<std::uintptr_t>(t->stack_mapping_lo) &&
      a < tx.frames_below)
    return;
  tx.rare().preserve(address, address, size);
}

// ------------------------------------------------------------ read sites

unsigned char _stm_observing = 0;

void _stm_read_site(uintptr_t header_offset, const char *site) noexcept {
  const thread_record *t = current_thread();
  if (t && t->seg)
    note_read_site(t->seg->tx, header_offset, site);
}

// ------------------------------------------------------------ write barriers

void _stm_write_slowpath(stm_object_t *local_header, const char *site) noexcept {
  thread_record &t = running_thread("write barrier");
  runtime_scope scope(t);
  segment &seg = *t.seg;
  if (__builtin_expect(g_observing, 0))
    note_write_site(seg.tx, site); // first: the write that follows is backed up after it
  const stm_type_descriptor_t &type = prepare_write(seg, local_header);
  const std::uintptr_t object = g_heap.offset(local_header) - type.header_offset;
  back_up(seg, object, object, object_size(type, object), type.header_offset, false);
  local_header->stm_flags &= ~_STM_GCFLAG_WRITE_BARRIER;
}

void _stm_check_kept_permission(const stm_object_t *local_header, int write) noexcept {
  check_kept_permission(local_header, write != 0,
                        reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
}

void _stm_write_card_slowpath(stm_object_t *local_header, size_t offset,
                              const char *site) noexcept {
  thread_record &t = running_thread("write barrier");
  runtime_scope scope(t);
  segment &seg = *t.seg;
  if (__builtin_expect(g_observing, 0))
    note_write_site(seg.tx, site);
  const stm_type_descriptor_t &type = prepare_write(seg, local_header);
  const std::uintptr_t object = g_heap.offset(local_header) - type.header_offset;
  const std::size_t size = object_size(type, object);
  const std::uintptr_t card = object + offset / _STM_CARD_BYTES * _STM_CARD_BYTES;
  const std::size_t bytes = std::min<std::size_t>(_STM_CARD_BYTES, object + size - card);
  back_up(seg, card, object, round_up(bytes, kGranule), type.header_offset, true);
  *card_flag(seg, object, card) = 1;
}

// ------------------------------------------------------------ allocation

void *stm_allocate(const stm_type_descriptor_t *type) noexcept {
  if (type->size == 0)
    fatal("stm_allocate: type %s has a variable size; use stm_allocate_sized", type->name);
  return stm_allocate_sized(type, type->size);
}

void *stm_allocate_sized(const stm_type_descriptor_t *type, size_t bytes) noexcept {
  if (type->tid == 0)
    fatal("stm_allocate: type %s is not registered", type->name);
  if (bytes > STM_MAX_OBJECT_BYTES)
    fatal("stm_allocate: an object of %zu bytes (type %s) is larger than the largest "
          "managed object, %llu bytes",
          bytes, type->name, static_cast<unsigned long long>(STM_MAX_OBJECT_BYTES));
  thread_record &t = attached_thread();
  runtime_scope scope;
  segment &seg = *t.seg;
  // A size that is a multiple of the alignment gets a slot size that is one
  // too (size classes step by at least the largest alignment that fits in
  // them), in blocks aligned to kBlock.
  const std::size_t size =
      round_up(bytes < kGranule ? kGranule : bytes, std::max<std::size_t>(kGranule, type->align));
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
    _stm_set_countdown(t.view, 0);
  return local;
}

uintptr_t _stm_header_containing(const void *ref) noexcept {
  running_thread("element barrier");
  const std::uintptr_t object = object_containing(g_heap.offset(ref));
  if (!object)
    fatal("an element barrier on %p, which is not inside a managed object", ref);
  return object + block_at(object).header;
}

void _stm_free_unpublished(void *local) noexcept {
  thread_record &t = running_thread("free");
  runtime_scope scope;
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

// ------------------------------------------------------------ the C API

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
  thread_record &t = running_thread("become_inevitable");
  runtime_scope scope;
  return become_inevitable(t, reason) ? 0 : 1;
}

int stm_is_inevitable(void) noexcept {
  thread_record *t = current_thread();
  return _stm_tls.atomic_depth > 0 && t && t->seg && t->seg->tx.inevitable;
}

int stm_is_atomic(void) noexcept { return _stm_tls.atomic_depth > 0; }

int stm_validate(void) noexcept {
  thread_record &t = attached_thread();
  runtime_scope scope;
  return validate(*t.seg) ? 0 : 1;
}

void stm_hint_commit_soon(void) noexcept {
  thread_record *t = current_thread();
  if (t && t->seg && t->seg->tx.kind == tx_kind::ambient) {
    runtime_scope scope;
    restart_ambient(*t);
  }
}

void stm_collect(void) noexcept {
  ensure_runtime();
  runtime_scope scope;
  collect_garbage("requested");
}
