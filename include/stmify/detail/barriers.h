/* stmify — the barriers' fast paths: the one place where a reference is
 * translated into the calling thread's segment, a read is marked, a write is
 * checked, a reference made canonical, a safe point counted and an atomic
 * block begun and committed without a call. Used by the C API (stm.h) and by
 * the C++ API (stm::loc, stm::rd, stm::wr, stm::canon, stm::atomic). Included
 * by stm.h. */
#ifndef STMIFY_DETAIL_BARRIERS_H
#define STMIFY_DETAIL_BARRIERS_H

#ifndef STMIFY_STM_H
#error "include <stmify/stm.h>, not this file"
#endif

/* The offset of a reference in any window, and the address at an offset in
 * the calling thread's segment. */
static inline uintptr_t _stm_offset(const void *ref) {
  return (uintptr_t)ref & (uintptr_t)_stm_tls.offset_mask;
}
static inline void *_stm_local(uintptr_t offset) {
  return (void *)((uintptr_t)_stm_tls.segment_base | offset);
}
static inline void *_stm_translate(const void *ref) { return _stm_local(_stm_offset(ref)); }

/* What the read and write barriers return. Built with STMIFY_SANITIZE (the
 * barrier sanitizer), a read-only and a read-write view of the segment that
 * last only for the running transaction; so a write through a reference that
 * had only a read barrier, or a reference kept from an earlier transaction,
 * faults where it is used. */
#ifdef STMIFY_SANITIZE
__attribute__((weak)) int _stm_sanitized_build = 1;
static inline void *_stm_read_view(uintptr_t offset) {
  return (void *)(_stm_tls.read_view_base | offset);
}
static inline void *_stm_write_view(uintptr_t offset) {
  return (void *)(_stm_tls.write_view_base | offset);
}
#else
static inline void *_stm_read_view(uintptr_t offset) { return _stm_local(offset); }
static inline void *_stm_write_view(uintptr_t offset) { return _stm_local(offset); }
#endif

/* The read marker of the granule at `offset`: a marker of two bytes for
 * every 16 heap bytes, at the start of the segment's window (indexed by
 * granule, so that a header that is not 16-byte aligned, as after a vtable
 * pointer, marks its own granule's marker). */
static inline _stm_read_marker_t *_stm_marker(uintptr_t offset) {
  return (_stm_read_marker_t *)(uintptr_t)_stm_tls.segment_base + (offset >> 4);
}

/* Marks the granule at `header_offset` (an object's header) as read by the
 * running transaction: one store into the segment's marker area. */
static inline void _stm_mark_read(uintptr_t header_offset) {
  *_stm_marker(header_offset) = (_stm_read_marker_t)_stm_tls.read_version;
}

/* The same, for a read barrier that names its site (built with
 * -fplugin-arg-stmify-read-sites): when the conflict diagnostics are on, the
 * first read of the object in the running transaction also tells the
 * runtime where it was. */
void _stm_read_site(uintptr_t header_offset, const char *site) _STM_NOEXCEPT;
static inline void _stm_mark_read_at(uintptr_t header_offset, const char *site) {
  if (__builtin_expect(_stm_observing, 0)) {
    if (*_stm_marker(header_offset) != (_stm_read_marker_t)_stm_tls.read_version)
      _stm_read_site(header_offset, site);
  }
  _stm_mark_read(header_offset);
}

/* The canonical form of a reference: what to store and compare. */
static inline void *stm_canonical(const void *ref) {
  return ref ? (void *)(_stm_canonical_base | ((uintptr_t)ref & _stm_segment_mask)) : (void *)0;
}

/* Marks the object whose header is at obj as read by the running transaction
 * and returns the header's address in the caller's segment. Never aborts. */
static inline void *stm_read(const void *obj) {
  uintptr_t off = _stm_offset(obj);
  _stm_mark_read(off);
  return _stm_read_view(off);
}

void _stm_write_slowpath(stm_object_t *local_header, const char *site) _STM_NOEXCEPT;

/* Must the running transaction back the object up before writing it? (Once
 * per object per transaction: the slow path clears the flag.) */
static inline int _stm_needs_backup(const stm_object_t *local_header) {
  return __builtin_expect(local_header->stm_flags & _STM_GCFLAG_WRITE_BARRIER, 0) != 0;
}

/* Objects larger than this whose type allows it (stm::array) track writes per
 * card of _STM_CARD_BYTES: the first write to a card backs up and logs only
 * that card. */
#define _STM_CARD_BYTES 512
#define _STM_CARD_MIN_OBJECT 4096
void _stm_write_card_slowpath(stm_object_t *local_header, size_t offset,
                              const char *site) _STM_NOEXCEPT;

/* The byte that says whether the card holding byte `offset` of the object at
 * `local_object` was backed up by the running transaction: the first byte of
 * the marker of a granule where no header ever lies, so that it is never a
 * read marker. The runtime's card_flag names the same byte. */
static inline unsigned char *_stm_card_flag(const void *local_object, size_t offset) {
  uintptr_t card = offset / _STM_CARD_BYTES * _STM_CARD_BYTES;
  return (unsigned char *)_stm_marker(_stm_offset(local_object) + (card ? card : 16));
}

/* Required before modifying the object whose header is at obj; returns the
 * header's address in the caller's segment. The slow path runs once per object
 * per transaction and backs the object up. Never aborts. */
static inline void *stm_write(const void *obj) {
  stm_object_t *local = (stm_object_t *)_stm_write_view(_stm_offset(obj));
  if (_stm_needs_backup(local))
    _stm_write_slowpath(local, (const char *)0);
  return local;
}

/* Built with the barrier sanitizer, the barriers that the transformer puts
 * where the running transaction already holds what a full barrier would give
 * it (stm::detail::read_again, write_again) first check that it does: that
 * the object was marked read by the running atomic block (or written by it),
 * or that its write-barrier flag is clear; otherwise the program stops,
 * naming the source line of the caller. */
void _stm_check_kept_permission(const stm_object_t *local_header, int write) _STM_NOEXCEPT;

/* The safe point's fast path: counts down, and says when the runtime is due.
 * Relaxed atomic accesses (they compile to plain ones): another thread zeroes
 * the countdown to ask this one to visit the runtime soon. */
static inline int _stm_safe_point_due(void) {
  int32_t left = __atomic_load_n(&_stm_tls.safe_point_countdown, __ATOMIC_RELAXED) - 1;
  __atomic_store_n(&_stm_tls.safe_point_countdown, left, __ATOMIC_RELAXED);
  return __builtin_expect(left < 0, 0) != 0;
}

/* Sets the calling thread's countdown (the runtime, and pokes from others). */
static inline void _stm_set_countdown(struct _stm_thread_view *view, int32_t value) {
  __atomic_store_n(&view->safe_point_countdown, value, __ATOMIC_RELAXED);
}

/* An atomic block's begin and commit in the program's own code. The runtime
 * arms the thread (_STM_QUICK_ARMED) at the end of a commit that leaves it
 * outside atomic blocks with nothing written, nothing retried and nothing
 * observed, sanitized or forced. An armed thread whose segment has seen the
 * newest commit begins a block by taking the next read version and noting
 * the block's site and stack pointer (_STM_QUICK_BEGUN); the runtime's own
 * record of the transaction is left as it was. Every entry into the runtime
 * first settles that record from these fields and disarms (current_thread
 * in runtime/registry.h), so a block that writes, creates, reaches a safe
 * point's slow path or blocks is an ordinary transaction from then on. A
 * block still begun quickly at its end read one consistent snapshot and
 * changed nothing: if no commit has come since, it commits by counting
 * itself. Each returns 0, having changed nothing, when the case is not
 * that one; the caller then calls _stm_atomic_begin or _stm_atomic_commit. */
#define _STM_QUICK_OFF 0
#define _STM_QUICK_ARMED 1
#define _STM_QUICK_BEGUN 2

/* The highest read version: the next begin clears the read markers. */
#define _STM_LAST_READ_VERSION 65535

/* Nothing appended to the log after the newest entry the segment has seen
 * (its `next` is null, or marks an inevitable transaction: 1 or 2). */
static inline int _stm_log_unmoved(void) {
  return __atomic_load_n(_stm_tls.quick_log_end, __ATOMIC_ACQUIRE) <= 2;
}

/* The stack pointer of the function this is inlined into (x86-64 and
 * AArch64 only: where it is not defined, blocks begin in the runtime). */
#if defined(__x86_64__) || defined(__aarch64__)
static inline __attribute__((always_inline)) uintptr_t _stm_stack_pointer(void) {
  uintptr_t sp;
#if defined(__x86_64__)
  __asm__("mov %%rsp, %0" : "=r"(sp));
#else
  __asm__("mov %0, sp" : "=r"(sp));
#endif
  return sp;
}
#endif

/* Always inline: the stack pointer must be that of the code that runs the
 * block (its locals lie above it, those of the functions it calls below). */
static inline __attribute__((always_inline)) int _stm_begin_quickly(const char *site) {
#if defined(__x86_64__) || defined(__aarch64__)
  uintptr_t sp;
  unsigned version = (unsigned)_stm_tls.read_version;
  if (__builtin_expect(_stm_tls.quick_state != _STM_QUICK_ARMED, 0) ||
      version == _STM_LAST_READ_VERSION || !_stm_log_unmoved())
    return 0;
  sp = _stm_stack_pointer();
  _stm_tls.read_version = (_stm_read_version_t)(version + 1);
  _stm_tls.atomic_depth = 1;
  _stm_tls.quick_site = site;
  _stm_tls.quick_frames_below = sp;
  __atomic_store_n(&_stm_tls.quick_state, (uint8_t)_STM_QUICK_BEGUN, __ATOMIC_RELAXED);
  return 1;
#else
  (void)site;
  return 0;
#endif
}

static inline int _stm_commit_quickly(void) {
  uint64_t *commits;
  if (__builtin_expect(_stm_tls.quick_state != _STM_QUICK_BEGUN, 0) || !_stm_log_unmoved())
    return 0;
  __atomic_store_n(&_stm_tls.quick_state, (uint8_t)_STM_QUICK_ARMED, __ATOMIC_RELAXED);
  _stm_tls.atomic_depth = 0;
  _stm_tls.quick_preserved = 0;
  /* Written only by the segment's holder, read by anyone (stm_get_statistics). */
  commits = _stm_tls.quick_commits;
  __atomic_store_n(commits, __atomic_load_n(commits, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
  return 1;
}

/* Saves, for a block begun quickly, a local of at most 16 bytes that the
 * block writes (stm::detail::preserve), as _stm_preserve would; settling
 * hands the saved locals to the runtime. Returns 0, having saved nothing,
 * when the runtime must do it. A local of a function the block called lies
 * between the stack pointer here and the one the block began with: the
 * block's retry makes it again, so it is not saved (nor by the runtime). */
static inline __attribute__((always_inline)) int _stm_preserve_quickly(void *address, size_t size) {
#if defined(__x86_64__) || defined(__aarch64__)
  uintptr_t sp, a = (uintptr_t)address;
  unsigned n = _stm_tls.quick_preserved;
  struct _stm_quick_local *local;
  if (_stm_tls.quick_state != _STM_QUICK_BEGUN || size > sizeof(local->bytes) ||
      n == sizeof(_stm_tls.quick_locals) / sizeof(_stm_tls.quick_locals[0]))
    return 0;
  sp = _stm_stack_pointer();
  if (a >= sp && a < _stm_tls.quick_frames_below)
    return 1;
  local = &_stm_tls.quick_locals[n];
  local->address = address;
  local->size = size;
  __builtin_memcpy(local->bytes, address, size);
  _stm_tls.quick_preserved = (uint8_t)(n + 1);
  return 1;
#else
  (void)address;
  (void)size;
  return 0;
#endif
}

#endif /* STMIFY_DETAIL_BARRIERS_H */
