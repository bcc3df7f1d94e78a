// Registry of managed types: id -> descriptor (size, header offset, trace).
#ifndef STMIFY_RUNTIME_TYPES_H
#define STMIFY_RUNTIME_TYPES_H

#include <stmify/stm.h>

#include <cstdint>
#include <utility>

namespace stm::rt {

inline constexpr std::uint32_t kMaxTypes = 1u << 16;

// The descriptor of a registered type id; null for 0 or an unknown id.
const stm_type_descriptor_t *type_of(std::uint32_t tid) noexcept;

// Tells the collector that the table of descriptors (512 KiB of pointers to
// the program's static data) holds no roots.
void setup_types() noexcept;

#ifdef STMIFY_TESTING
// The table's bytes (testing::type_table).
std::pair<const void *, std::size_t> type_table() noexcept;
#endif

} // namespace stm::rt

#endif
