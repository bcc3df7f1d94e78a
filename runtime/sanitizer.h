// The barrier sanitizer (docs/architecture.md §5): in a program built with
// STMIFY_SANITIZE, the read and write barriers return views of the segment
// that are read-only and read-write, and that last one transaction; stored
// references are checked to be canonical before others can see them.
#ifndef STMIFY_RUNTIME_SANITIZER_H
#define STMIFY_RUNTIME_SANITIZER_H

#include <cstdint>

#include <stmify/stm.h>

namespace stm::rt {

struct segment;
struct thread_record;

// A transaction begins in the thread's segment: the write view of the
// previous one becomes inaccessible, and the thread's write barriers return a
// new one. With new_reads (an atomic block begins or ends, or the thread took
// the segment), the read view too: a read that an atomic block does not mark,
// or one in another segment, is wrong; code outside atomic blocks that
// restarts its transaction (at a release, a safe point) keeps reading the
// same segment, so its read references stay good.
void open_views(thread_record &t, segment &seg, bool new_reads) noexcept;
// The thread gives its segment up: no view of it stays accessible.
void close_views(thread_record &t, segment &seg) noexcept;
// Before the transaction's writes are published: every managed reference in
// the objects it wrote or created is canonical (or null).
void check_stored_references(const segment &seg) noexcept;
// A buffer handed to a system call (which does not fault but fails with
// EFAULT): stops the program, as a fault in a view would, when the buffer is
// a view the call may not use (fills: the call writes it).
void check_call_buffer(const void *buffer, bool fills, const char *call) noexcept;

// Where the transformer left a barrier out (stm::detail::read_again,
// write_again): stops the program, naming the caller's source line, unless
// the running transaction holds what the barrier would have given it (a
// write: the object backed up, its flag clear; a read in an atomic block
// that is not inevitable: the object marked read, or backed up or created).
void check_kept_permission(const stm_object_t *local_header, bool write,
                           std::uintptr_t caller) noexcept;

// The view an address lies in, for explaining a fault there.
struct view_address {
  unsigned segment;
  bool writable;
  bool current; // the view of the segment's running transaction
};
bool find_view(std::uintptr_t address, view_address &out) noexcept;

} // namespace stm::rt

#endif
