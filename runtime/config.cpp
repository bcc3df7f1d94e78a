#include "config.h"

#include "diagnostics.h"
#include "heap.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sched.h>
#include <unistd.h>

namespace stm::rt {

std::size_t default_segment_count(std::size_t cpus) noexcept {
  return cpus < 1 ? 1 : cpus < kMaxSegments ? cpus : kMaxSegments;
}

namespace {

constexpr std::size_t kMiB = std::size_t(1) << 20;
constexpr std::size_t kGiB = std::size_t(1) << 30;

std::size_t cpus_available() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<std::size_t>(CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<std::size_t>(n) : 1;
}

std::size_t default_segments() { return default_segment_count(cpus_available()); }

std::size_t default_heap_limit() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  std::size_t quarter = pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * page / 4 : kGiB;
  if (quarter < 256 * kMiB)
    return 256 * kMiB;
  return quarter > 64 * kGiB ? 64 * kGiB : quarter;
}

bool parse_number(const char *text, bool allow_suffix, std::size_t &out) {
  errno = 0;
  char *end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || text[0] == '-')
    return false;
  unsigned shift = 0;
  if (allow_suffix && *end) {
    switch (*end) {
    case 'k':
    case 'K':
      shift = 10;
      break;
    case 'm':
    case 'M':
      shift = 20;
      break;
    case 'g':
    case 'G':
      shift = 30;
      break;
    default:
      return false;
    }
    ++end;
  }
  if (*end != '\0' || value > (~0ULL >> shift))
    return false;
  out = static_cast<std::size_t>(value << shift);
  return true;
}

void read_option(const char *env, bool is_bytes, std::size_t fallback, std::size_t &field) {
  field = fallback;
  const char *text = std::getenv(env);
  if (!text || !*text)
    return;
  if (!parse_number(text, is_bytes, field))
    setting_error("%s=\"%s\" is not a valid %s", env, text,
                  is_bytes ? "size (a number with an optional K, M or G suffix)" : "number");
}

void read_option(const char *env, bool, const char *fallback, const char *&field) {
  const char *text = std::getenv(env);
  field = text && *text ? text : fallback;
}

} // namespace

config read_config() {
  config c{};
#define STMIFY_OPTION(env, field, kind, def, doc)                                                  \
  read_option(env, std::strcmp(#kind, "bytes") == 0, def, c.field);
#include "options.def"
#undef STMIFY_OPTION
  if (c.segments < 1 || c.segments > kMaxSegments)
    setting_error("STMIFY_SEGMENTS=%zu is out of range (1 to %u)", c.segments, kMaxSegments);
  if (c.heap_limit < 16 * kMiB)
    setting_error("STMIFY_HEAP_LIMIT=%zu is too small (at least 16M)", c.heap_limit);
  if (c.heap_limit > (std::size_t(1) << 44))
    setting_error("STMIFY_HEAP_LIMIT=%zu is too large (at most 16T)", c.heap_limit);
  if (c.safe_point_interval < 1 || c.safe_point_interval > (1u << 30))
    setting_error("STMIFY_SAFE_POINT_INTERVAL=%zu is out of range (1 to 2^30)",
                  c.safe_point_interval);
  if (c.retry_limit < 1)
    setting_error("STMIFY_RETRY_LIMIT must be at least 1");
  if (c.sanitize > 1)
    setting_error("STMIFY_SANITIZE=%zu is out of range (0 or 1)", c.sanitize);
  return c;
}

} // namespace stm::rt
