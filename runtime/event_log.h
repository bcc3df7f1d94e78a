// STMIFY_LOG=path: a binary log of what transactions did, for `stmify-log`
// (docs/log-format.md). Each thread appends events to a buffer of its own
// and writes the whole buffer with one write() on a file opened for
// appending: no lock on the way, and a log cut short (a killed program, a
// full disk) ends after the last whole chunk. Nothing here runs unless the
// log is on: the engine tests g_observing first (conflict_report.h).
#ifndef STMIFY_RUNTIME_EVENT_LOG_H
#define STMIFY_RUNTIME_EVENT_LOG_H

#include "log_format.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace stm::rt {

// STMIFY_LOG is set and its file is open (set once, when the runtime starts).
extern std::atomic<bool> g_logging;

// Opens STMIFY_LOG's file; a path that cannot be written is a setting error
// (the program stops at start with a message).
void setup_event_log() noexcept;

// Events, each from the thread it happened on. Sites and names are strings
// that live as long as the program (the plugin's literals); `reason` may be
// transient and is copied.
// `now`: monotonic_ns() at the begin.
void log_begin(unsigned segment, unsigned attempt, const char *block, std::int64_t now) noexcept;
void log_commit(unsigned segment, std::size_t writes, const char *block) noexcept;
void log_abort(log_format::abort_kind kind, unsigned segment, const char *block,
               const char *committed_site, const char *own_site, const char *type_name,
               std::uint64_t object, std::int64_t lost_ns) noexcept;
void log_pause(log_format::pause_kind kind, unsigned segment, const char *block,
               std::uint64_t generation, std::int64_t paused_ns) noexcept;
void log_inevitable(unsigned segment, std::uint64_t generation, const char *block,
                    const char *reason) noexcept;
void log_inevitable_end(unsigned segment, std::uint64_t generation, std::int64_t held_ns) noexcept;
void log_collection(std::int64_t began_ns, std::int64_t pause_ns, std::uint64_t live_bytes,
                    std::uint64_t freed_bytes) noexcept;

// Writes the calling thread's buffer (threads do at exit, and the main
// thread when the program exits).
void flush_event_log() noexcept;

} // namespace stm::rt

#endif
