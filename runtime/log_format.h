// The format of STMIFY_LOG's file (docs/log-format.md), shared by the runtime,
// which writes it (event_log.cpp), and stmify-log, which reads it
// (tool/stmify_log.cpp). Integers are in the machine's byte order
// (little-endian on every target stmify supports); a log is read on the
// machine that wrote it or one like it.
#ifndef STMIFY_RUNTIME_LOG_FORMAT_H
#define STMIFY_RUNTIME_LOG_FORMAT_H

#include <cstdint>

namespace stm::rt {

namespace log_format {
inline constexpr char kMagic[8] = {'S', 'T', 'M', 'I', 'F', 'Y', 'L', 'G'};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::uint32_t kChunkMagic = 0x4b4e4843; // "CHNK"

struct file_header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t segments;
  std::int64_t started_unix_ns; // wall-clock time of time 0
};

// A thread's buffer, written whole.
struct chunk_header {
  std::uint32_t magic;
  std::uint32_t bytes; // of the events that follow
  std::uint32_t thread;
  std::uint32_t sequence; // the thread's chunks, counted from 0
};

enum class event : std::uint8_t {
  string = 1,     // id, then the characters
  begin,          // an attempt of an atomic block or task starts
  commit,         // it committed
  abort,          // it aborted (kind: abort_kind)
  pause,          // a thread waited (kind: pause_kind)
  inevitable,     // a transaction became inevitable; then the reason's characters
  inevitable_end, // it released the slot
  collection,     // a collection, with the world stopped
};

enum class abort_kind : std::uint8_t { other, forced, write_write, write_read, cancelled };
// stopped: another thread stopped the world (a collection, or copying a segment
// that fell too far behind the log).
enum class pause_kind : std::uint8_t { inevitable, segment, stopped };

struct event_header {
  event type;
  std::uint8_t kind;
  std::uint16_t size; // of the whole event, header included
  std::uint32_t thread;
  std::int64_t time_ns; // since the log started (monotonic clock)
};

// Sites, reasons and type names are strings: an event refers to one by an
// id defined by a `string` event earlier in the same thread's chunks.
struct string_event {
  event_header h;
  std::uint64_t id;
};
struct begin_event {
  event_header h;
  std::uint32_t segment;
  std::uint32_t attempt; // aborts of this block in a row before it
  std::uint64_t block;   // site id (0: none)
};
struct commit_event {
  event_header h;
  std::uint32_t segment;
  std::uint32_t writes;
  std::uint64_t block;
};
struct abort_event {
  event_header h;
  std::uint32_t segment;
  std::uint32_t reserved;
  std::uint64_t block;
  std::uint64_t committed_site; // the write that caused the conflict
  std::uint64_t own_site;       // this attempt's write of the object (write-write)
  std::uint64_t type_name;
  std::uint64_t object; // heap offset of the object's header (0: unknown)
  std::int64_t lost_ns; // from the attempt's begin
};
struct pause_event {
  event_header h; // time_ns: when the pause ended
  std::uint32_t segment;
  std::uint32_t reserved;
  std::uint64_t block;      // the waiting atomic block (0: outside atomic blocks)
  std::uint64_t generation; // of the inevitable transaction waited for
  std::int64_t paused_ns;
};
struct inevitable_event {
  event_header h;
  std::uint32_t segment;
  std::uint32_t reserved;
  std::uint64_t generation;
  std::uint64_t block;
};
struct inevitable_end_event {
  event_header h;
  std::uint32_t segment;
  std::uint32_t reserved;
  std::uint64_t generation;
  std::int64_t held_ns;
};
struct collection_event {
  event_header h; // time_ns: when the world was stopped
  std::int64_t pause_ns;
  std::uint64_t live_bytes;
  std::uint64_t freed_bytes;
};
} // namespace log_format

} // namespace stm::rt

#endif
