// Runtime settings, read once from the environment (see options.def).
#ifndef STMIFY_RUNTIME_CONFIG_H
#define STMIFY_RUNTIME_CONFIG_H

#include <cstddef>

namespace stm::rt {

namespace option_kind {
using count = std::size_t;
using bytes = std::size_t;
using path = const char *; // null when unset
} // namespace option_kind

struct config {
#define STMIFY_OPTION(env, field, kind, def, doc) option_kind::kind field;
#include "options.def"
#undef STMIFY_OPTION
};

// Parses the environment; an invalid value is a fatal error naming the variable.
config read_config();

// STMIFY_SEGMENTS's default on a host where `cpus` cores are available: one
// segment per core, at most as many as the runtime supports.
std::size_t default_segment_count(std::size_t cpus) noexcept;

} // namespace stm::rt

#endif
