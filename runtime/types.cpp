#include "types.h"

#include "diagnostics.h"
#include "gc.h"
#include "heap.h"
#include "registry.h"

#include <atomic>
#include <cstring>
#include <mutex>

namespace stm::rt {
namespace {

std::atomic<const stm_type_descriptor_t *> g_types[kMaxTypes];
std::uint32_t g_type_count = 0; // guarded by g_register_lock
std::mutex g_register_lock;

// The C++ API names a type by a function signature ("const char
// *stm::detail::type_name() [T = Node]", g++: "[with T = Node]"): reports
// show only the type. Kept for the life of the process, as the type is.
const char *readable_name(const char *name) {
  const char *from = name ? std::strstr(name, "[T = ") : nullptr;
  std::size_t skip = 5;
  if (!from && name && (from = std::strstr(name, "[with T = ")))
    skip = 10;
  const char *to = from ? std::strrchr(from, ']') : nullptr;
  if (!to)
    return name;
  from += skip;
  char *copy = new char[static_cast<std::size_t>(to - from) + 1];
  std::memcpy(copy, from, static_cast<std::size_t>(to - from));
  copy[to - from] = '\0';
  return copy;
}

} // namespace

const stm_type_descriptor_t *type_of(std::uint32_t tid) noexcept {
  return tid < kMaxTypes ? g_types[tid].load(std::memory_order_acquire) : nullptr;
}

void setup_types() noexcept { note_runtime_table(g_types, sizeof g_types); }

#ifdef STMIFY_TESTING
std::pair<const void *, std::size_t> type_table() noexcept { return {g_types, sizeof g_types}; }
#endif

} // namespace stm::rt

using namespace stm::rt;

uint32_t stm_register_type(stm_type_descriptor_t *type) noexcept {
  runtime_scope scope; // its lock is not one of the program's
  std::lock_guard<std::mutex> lock(g_register_lock);
  if (type->tid != 0)
    return type->tid;
  type->name = readable_name(type->name);
  if (type->align > kBlock || (type->align & (type->align - 1)) != 0)
    fatal("type %s needs %zu-byte alignment; managed objects are aligned to a power of two "
          "up to %zu",
          type->name, type->align, kBlock);
  if (type->header_offset > 0xffff)
    fatal("type %s: the stm::object base lies %zu bytes in; at most 65535 is supported",
          type->name, type->header_offset);
  if (type->size != 0 && type->header_offset + sizeof(stm_object_t) > type->size)
    fatal("type %s: header offset %zu lies outside the object", type->name,
          type->header_offset);
  if (g_type_count + 1 >= kMaxTypes)
    fatal("too many managed types (at most %u)", kMaxTypes - 1);
  std::uint32_t tid = ++g_type_count;
  g_types[tid].store(type, std::memory_order_release);
  type->tid = tid;
  return tid;
}
