// Registry of managed types: id -> descriptor (size, header offset, trace).
#ifndef STMIFY_RUNTIME_TYPES_H
#define STMIFY_RUNTIME_TYPES_H

#include <stmify/stm.h>

#include <cstdint>

namespace stm::rt {

inline constexpr std::uint32_t kMaxTypes = 1u << 16;

// The descriptor of a registered type id; null for 0 or an unknown id.
const stm_type_descriptor_t *type_of(std::uint32_t tid) noexcept;

} // namespace stm::rt

#endif
