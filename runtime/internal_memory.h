// Memory for the runtime's own bookkeeping that holds copies of managed
// objects (commit-log entries, backups). It comes from one region that the
// collector does not scan for roots: old versions must not keep garbage alive.
#ifndef STMIFY_RUNTIME_INTERNAL_MEMORY_H
#define STMIFY_RUNTIME_INTERNAL_MEMORY_H

#include <cstddef>

namespace stm::rt {

void setup_internal_memory() noexcept;
// 16-byte aligned; fatal if the region is exhausted.
void *internal_allocate(std::size_t bytes) noexcept;
void internal_free(void *p, std::size_t bytes) noexcept;

} // namespace stm::rt

#endif
