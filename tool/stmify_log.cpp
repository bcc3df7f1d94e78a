// stmify-log: reads the log a program wrote with STMIFY_LOG=path and reports
// where its transactions lost time (docs/user-guide.md, "Finding conflicts";
// the format is docs/log-format.md and runtime/log_format.h).

#include "log_format.h"
#include "site_text.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace {

namespace fmt = stm::rt::log_format;
using json = nlohmann::ordered_json;

constexpr const char *kSchema = "stmify-log/2";
constexpr unsigned kMaxSegments = 256;               // STMIFY_SEGMENTS's limit
constexpr std::uintmax_t kMaxSourceBytes = 64 << 20; // larger "sources" are not read

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "stmify-log: error: %s\n", message.c_str());
  std::exit(1);
}

// ------------------------------------------------------------- the log

// How an attempt ended: committed, or aborted by one of the log's kinds
// (abort_kind + 1, so that an abort event's kind converts directly).
enum class outcome : std::uint8_t { committed, other, forced, write_write, write_read, cancelled };
static_assert(static_cast<int>(outcome::cancelled) ==
              static_cast<int>(fmt::abort_kind::cancelled) + 1);
static_assert(static_cast<int>(outcome::write_read) ==
              static_cast<int>(fmt::abort_kind::write_read) + 1);

outcome abort_outcome(std::uint8_t kind) {
  return kind <= static_cast<std::uint8_t>(fmt::abort_kind::cancelled)
             ? static_cast<outcome>(kind + 1)
             : outcome::other;
}

struct attempt {
  unsigned segment;
  std::int64_t begin_ns, end_ns;
  outcome how;
};

struct stretch { // an inevitable transaction's hold, or a collection
  unsigned segment;
  std::int64_t begin_ns, end_ns;
};

// One line of the report: a kind and the two sites it names.
struct entry_key {
  std::string kind;   // write-write, write-read, forced, other, inevitable, segment, stopped-world
  std::string first;  // committed write; the inevitable's reason
  std::string second; // aborted write (write-write); the aborted or waiting block
  std::string block;  // the aborted block (write-write); the read (write-read); the
                      // inevitable block (waits)
  std::string type;
  bool operator<(const entry_key &o) const {
    return std::tie(kind, first, second, block, type) <
           std::tie(o.kind, o.first, o.second, o.block, o.type);
  }
};

struct entry_totals {
  std::uint64_t count = 0;
  std::int64_t lost_ns = 0, paused_ns = 0;
};

struct log_contents {
  unsigned segments = 0;
  std::int64_t started_unix_ns = 0;
  std::int64_t last_ns = 0;
  std::size_t threads = 0;
  std::uint64_t commits = 0, events = 0;
  std::map<std::string, std::uint64_t> aborts; // by kind
  std::uint64_t inevitable = 0, collections = 0;
  std::int64_t lost_ns = 0, collection_pause_ns = 0;
  std::map<std::string, std::int64_t> paused_ns; // by kind of wait
  std::vector<attempt> attempts;
  std::vector<stretch> inevitable_stretches, collection_stretches;
  std::map<entry_key, entry_totals> entries;
  std::optional<std::string> truncated; // why reading stopped early
};

const char *abort_name(std::uint8_t kind) {
  switch (static_cast<fmt::abort_kind>(kind)) {
  case fmt::abort_kind::write_write:
    return "write-write";
  case fmt::abort_kind::write_read:
    return "write-read";
  case fmt::abort_kind::forced:
    return "forced";
  case fmt::abort_kind::cancelled:
    return "cancelled";
  case fmt::abort_kind::other:
    break;
  }
  return "other";
}

const char *pause_name(std::uint8_t kind) {
  switch (static_cast<fmt::pause_kind>(kind)) {
  case fmt::pause_kind::inevitable:
    return "inevitable";
  case fmt::pause_kind::segment:
    return "segment";
  case fmt::pause_kind::stopped:
    return "stopped-world";
  }
  return "other";
}

// Ten years: a later time is a damaged event.
constexpr std::int64_t kMaxTime = std::int64_t(10) * 365 * 24 * 3600 * 1'000'000'000;

template <class T> T read_as(const unsigned char *p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

std::string chars_after(const unsigned char *event, std::size_t fixed, std::size_t size) {
  std::string s(reinterpret_cast<const char *>(event) + fixed, size - fixed);
  s.resize(std::strlen(s.c_str())); // the event is padded with zeros
  return s;
}

class reader {
public:
  explicit reader(const std::string &path) : path_(path) {}

  log_contents read() {
    std::error_code error;
    if (std::filesystem::is_directory(path_, error))
      fail("'" + path_ + "' is a directory, not a log");
    std::ifstream in(path_, std::ios::binary);
    if (!in)
      fail("cannot open '" + path_ + "': " + std::strerror(errno));
    std::string bytes;
    try {
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::exception &e) {
      fail("cannot read '" + path_ + "': " + e.what());
    }
    const auto *data = reinterpret_cast<const unsigned char *>(bytes.data());
    fmt::file_header h{};
    if (bytes.size() < sizeof h)
      fail("'" + path_ + "' is not a stmify log (it is shorter than a log's header)");
    std::memcpy(&h, data, sizeof h);
    if (std::memcmp(h.magic, fmt::kMagic, sizeof h.magic) != 0)
      fail("'" + path_ + "' is not a stmify log (written with STMIFY_LOG=path)");
    if (h.version != fmt::kVersion)
      fail("'" + path_ + "' is a version " + std::to_string(h.version) +
           " log; this stmify-log reads version " + std::to_string(fmt::kVersion));
    if (h.segments < 1 || h.segments > kMaxSegments)
      fail("'" + path_ + "' is not a valid stmify log (it says " + std::to_string(h.segments) +
           " segments)");
    log_.segments = h.segments;
    log_.started_unix_ns = h.started_unix_ns;

    // Strings first: an event may come in a chunk before the one defining its strings.
    for (int pass = 0; pass < 2; ++pass) {
      std::size_t at = sizeof h;
      while (at < bytes.size()) {
        fmt::chunk_header c{};
        if (bytes.size() - at < sizeof c) {
          stop(at, "a chunk's header is cut short", true);
          break;
        }
        std::memcpy(&c, data + at, sizeof c);
        if (c.magic != fmt::kChunkMagic) {
          stop(at, "the bytes there are not a chunk", false);
          break;
        }
        if (bytes.size() - at - sizeof c < c.bytes) {
          stop(at, "its last chunk is cut short", true);
          break;
        }
        if (!chunk(data + at + sizeof c, c.bytes, pass)) {
          stop(at, "a chunk holds an event that does not fit it", false);
          break;
        }
        at += sizeof c + c.bytes;
      }
    }
    finish();
    return std::move(log_);
  }

private:
  // cut: the file ends inside a chunk, as when writing it stopped midway;
  // else its bytes are damaged.
  void stop(std::size_t at, const char *why, bool cut) {
    if (!log_.truncated)
      log_.truncated = "the log ends at byte " + std::to_string(at) + ": " + why +
                       (cut ? " (the program was killed, or the disk was full)"
                            : " (the file is damaged, or was written by two programs at once)");
  }

  std::string text(std::uint64_t id) const {
    if (id == 0)
      return "";
    const auto found = strings_.find(id);
    return found == strings_.end() ? "" : found->second;
  }

  bool chunk(const unsigned char *p, std::size_t n, int pass) {
    std::size_t at = 0;
    while (at < n) {
      if (n - at < sizeof(fmt::event_header))
        return false;
      const auto h = read_as<fmt::event_header>(p + at);
      if (h.size < sizeof h || h.size > n - at)
        return false;
      if (!event(p + at, h, pass))
        return false;
      at += h.size;
    }
    return true;
  }

  template <class E> bool fits(const fmt::event_header &h) const { return h.size >= sizeof(E); }

  bool event(const unsigned char *p, const fmt::event_header &h, int pass) {
    if (pass == 0) {
      if (h.type == fmt::event::string) {
        if (!fits<fmt::string_event>(h))
          return false;
        strings_[read_as<fmt::string_event>(p).id] =
            chars_after(p, sizeof(fmt::string_event), h.size);
      }
      return true;
    }
    if (h.time_ns < 0 || h.time_ns > kMaxTime)
      return false;
    ++log_.events;
    log_.last_ns = std::max(log_.last_ns, h.time_ns);
    threads_seen_[h.thread] = true;
    switch (h.type) {
    case fmt::event::string:
      return true;
    case fmt::event::begin: {
      if (!fits<fmt::begin_event>(h))
        return false;
      const auto e = read_as<fmt::begin_event>(p);
      open_[h.thread] = {e.segment, h.time_ns};
      return true;
    }
    case fmt::event::commit: {
      if (!fits<fmt::commit_event>(h))
        return false;
      const auto e = read_as<fmt::commit_event>(p);
      ++log_.commits;
      close(h, e.segment, outcome::committed);
      return true;
    }
    case fmt::event::abort: {
      if (!fits<fmt::abort_event>(h))
        return false;
      const auto e = read_as<fmt::abort_event>(p);
      const std::string kind = abort_name(h.kind);
      ++log_.aborts[kind];
      close(h, e.segment, abort_outcome(h.kind));
      if (kind == "cancelled")
        return true;
      log_.lost_ns += e.lost_ns;
      entry_key key{kind, "", text(e.block), "", text(e.type_name)};
      if (kind == "write-write" || kind == "write-read")
        key.first = text(e.committed_site);
      if (kind == "write-write") {
        key.block = key.second;
        key.second = text(e.own_site);
      } else if (kind == "write-read") {
        key.block = text(e.own_site); // the read, in a build with read sites
      }
      entry_totals &t = log_.entries[key];
      ++t.count;
      t.lost_ns += e.lost_ns;
      return true;
    }
    case fmt::event::pause: {
      if (!fits<fmt::pause_event>(h))
        return false;
      const auto e = read_as<fmt::pause_event>(p);
      const std::string kind = pause_name(h.kind);
      log_.paused_ns[kind] += e.paused_ns;
      pauses_.push_back({kind, e.generation, text(e.block), e.paused_ns});
      return true;
    }
    case fmt::event::inevitable: {
      if (!fits<fmt::inevitable_event>(h))
        return false;
      const auto e = read_as<fmt::inevitable_event>(p);
      ++log_.inevitable;
      holders_[e.generation] = {chars_after(p, sizeof e, h.size), text(e.block), e.segment,
                                h.time_ns};
      return true;
    }
    case fmt::event::inevitable_end: {
      if (!fits<fmt::inevitable_end_event>(h))
        return false;
      const auto e = read_as<fmt::inevitable_end_event>(p);
      log_.inevitable_stretches.push_back(
          {e.segment, h.time_ns - std::clamp<std::int64_t>(e.held_ns, 0, h.time_ns), h.time_ns});
      return true;
    }
    case fmt::event::collection: {
      if (!fits<fmt::collection_event>(h))
        return false;
      const auto e = read_as<fmt::collection_event>(p);
      ++log_.collections;
      log_.collection_pause_ns += e.pause_ns;
      const std::int64_t pause = std::clamp<std::int64_t>(e.pause_ns, 0, kMaxTime - h.time_ns);
      log_.collection_stretches.push_back({0, h.time_ns, h.time_ns + pause});
      log_.last_ns = std::max(log_.last_ns, h.time_ns + pause);
      return true;
    }
    }
    return true; // an event of a later version: skipped
  }

  void close(const fmt::event_header &h, unsigned segment, outcome how) {
    const auto found = open_.find(h.thread);
    if (found == open_.end())
      return;
    log_.attempts.push_back({segment, found->second.second, h.time_ns, how});
    open_.erase(found);
  }

  void finish() {
    log_.threads = threads_seen_.size();
    for (const pause &p : pauses_) {
      entry_key key{p.kind, "", p.block, "", ""};
      if (p.kind == "inevitable") {
        const auto holder = holders_.find(p.generation);
        if (holder != holders_.end()) {
          key.first = holder->second.reason;
          key.block = holder->second.block;
        }
      }
      entry_totals &t = log_.entries[key];
      ++t.count;
      t.paused_ns += p.paused_ns;
    }
  }

  struct pause {
    std::string kind;
    std::uint64_t generation;
    std::string block;
    std::int64_t paused_ns;
  };
  struct holder {
    std::string reason, block;
    unsigned segment;
    std::int64_t since_ns;
  };

  std::string path_;
  log_contents log_;
  std::unordered_map<std::uint64_t, std::string> strings_;
  std::unordered_map<std::uint32_t, std::pair<unsigned, std::int64_t>> open_;
  std::unordered_map<std::uint32_t, bool> threads_seen_;
  std::vector<pause> pauses_;
  std::unordered_map<std::uint64_t, holder> holders_;
};

// ------------------------------------------------------------- sources

using stm::site_text::parse_site;
using stm::site_text::site_of_reason;
using stm::site_text::site_parts;

// The program's source files, read when a site's line is first wanted: the
// files as they are now, which may differ from those the program was built
// from (changed() says so for files modified after the run began).
class sources {
public:
  sources(std::string directory, std::int64_t run_began_unix_ns)
      : directory_(std::move(directory)), run_began_unix_ns_(run_began_unix_ns) {}

  std::optional<std::string> line(const site_parts &site) {
    const file &f = load(site.file);
    if (site.line > static_cast<long>(f.lines.size())) {
      missing_ = true;
      return std::nullopt;
    }
    changed_ = changed_ || f.changed;
    std::string text = f.lines[static_cast<std::size_t>(site.line - 1)];
    text.erase(0, text.find_first_not_of(" \t"));
    return text;
  }

  // Whether the file of site was modified after the run began.
  bool changed(const site_parts &site) { return load(site.file).changed; }

  bool missing() const { return missing_; }
  bool any_changed() const { return changed_; }

private:
  struct file {
    std::vector<std::string> lines;
    bool changed = false;
  };

  const file &load(const std::string &name) {
    const std::string path = !name.empty() && name[0] == '/' ? name : directory_ + "/" + name;
    auto found = files_.find(path);
    if (found != files_.end())
      return found->second;
    file f;
    struct stat st{};
    // Only regular files of a source's size: a site is text from the log.
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uintmax_t>(st.st_size) <= kMaxSourceBytes) {
      std::ifstream in(path);
      for (std::string l; in && std::getline(in, l);)
        f.lines.push_back(l);
      if (!in.eof())
        f.lines.clear();
      f.changed = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec > run_began_unix_ns_;
    }
    return files_.emplace(path, std::move(f)).first->second;
  }

  std::string directory_;
  std::int64_t run_began_unix_ns_;
  std::map<std::string, file> files_;
  bool missing_ = false, changed_ = false;
};

// ------------------------------------------------------------- the report

struct role {
  const char *name;
  std::string site;   // file:line:column (in function), or empty
  std::string reason; // for the inevitable's cause
};

struct report_entry {
  entry_key key;
  entry_totals totals;
  std::vector<role> roles;
};

std::vector<report_entry> ranked(const log_contents &log) {
  std::vector<report_entry> out;
  for (const auto &[key, totals] : log.entries) {
    report_entry e{key, totals, {}};
    if (key.kind == "write-write")
      e.roles = {{"committed write", key.first, ""},
                 {"aborted write", key.second, ""},
                 {"in atomic block", key.block, ""}};
    else if (key.kind == "write-read")
      e.roles = {{"committed write", key.first, ""},
                 {"aborted read", key.block, ""},
                 {"aborted block", key.second, ""}};
    else if (key.kind == "inevitable")
      e.roles = {
          {"inevitable by", site_of_reason(key.first),
           key.first.empty() ? "an unknown reason (its start is not in the log)" : key.first},
          {"inevitable block", key.block, ""},
          {"waiting block", key.second, ""}};
    else if (key.kind == "segment" || key.kind == "stopped-world")
      e.roles = {{"waiting block", key.second, ""}};
    else
      e.roles = {{"aborted block", key.second, ""}};
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const report_entry &a, const report_entry &b) {
    const std::int64_t ta = a.totals.lost_ns + a.totals.paused_ns;
    const std::int64_t tb = b.totals.lost_ns + b.totals.paused_ns;
    return ta != tb ? ta > tb : a.key < b.key;
  });
  return out;
}

double seconds(std::int64_t ns) { return static_cast<double>(ns) * 1e-9; }

std::int64_t busy_ns(const log_contents &log) {
  std::int64_t busy = 0;
  for (const attempt &a : log.attempts)
    busy += a.end_ns - a.begin_ns;
  return busy;
}

std::uint64_t total_aborts(const log_contents &log) {
  std::uint64_t n = 0;
  for (const auto &[kind, count] : log.aborts)
    if (kind != "cancelled")
      n += count;
  return n;
}

std::int64_t total_paused(const log_contents &log) {
  std::int64_t n = 0;
  for (const auto &[kind, ns] : log.paused_ns)
    n += ns;
  return n;
}

const char *describe_kind(const std::string &kind) {
  if (kind == "write-write")
    return "write-write conflict";
  if (kind == "write-read")
    return "write-read conflict";
  if (kind == "forced")
    return "aborts forced by STMIFY_FORCE_ABORTS";
  if (kind == "other")
    return "aborts without a conflict";
  if (kind == "inevitable")
    return "waits for an inevitable transaction";
  if (kind == "segment")
    return "waits for a segment (more threads than STMIFY_SEGMENTS)";
  return "waits while another thread stopped the world (a collection, or bringing a "
         "segment up to date)";
}

json site_json(const role &r, sources &src) {
  json j;
  j["role"] = r.name;
  if (!r.reason.empty())
    j["reason"] = r.reason;
  if (r.site.empty()) {
    j["site"] = nullptr;
    return j;
  }
  j["site"] = r.site;
  if (const auto parts = parse_site(r.site)) {
    j["file"] = parts->file;
    j["line"] = parts->line;
    j["column"] = parts->column;
    j["function"] = parts->function.empty() ? json(nullptr) : json(parts->function);
    if (const auto text = src.line(*parts)) {
      j["text"] = *text;
      if (src.changed(*parts))
        j["source_changed"] = true;
    }
  }
  return j;
}

json summary_json(const log_contents &log) {
  const std::uint64_t aborts = total_aborts(log);
  const double attempts = static_cast<double>(log.commits + aborts);
  json s;
  s["wall_seconds"] = seconds(log.last_ns);
  s["segments"] = log.segments;
  s["threads"] = log.threads;
  s["events"] = log.events;
  s["commits"] = log.commits;
  s["aborts"] = aborts;
  json by_kind = json::object();
  for (const char *kind : {"write-write", "write-read", "forced", "other"}) {
    const auto found = log.aborts.find(kind);
    by_kind[kind] = found == log.aborts.end() ? 0 : found->second;
  }
  s["aborts_by_kind"] = by_kind;
  const auto cancelled = log.aborts.find("cancelled");
  s["cancelled"] = cancelled == log.aborts.end() ? 0 : cancelled->second;
  s["abort_ratio"] = attempts ? static_cast<double>(aborts) / attempts : 0.0;
  s["lost_seconds"] = seconds(log.lost_ns);
  json paused = json::object();
  for (const char *kind : {"inevitable", "segment", "stopped-world"}) {
    const auto found = log.paused_ns.find(kind);
    paused[kind] = seconds(found == log.paused_ns.end() ? 0 : found->second);
  }
  s["paused_seconds"] = paused;
  s["inevitable_transactions"] = log.inevitable;
  s["collections"] = log.collections;
  s["collection_pause_seconds"] = seconds(log.collection_pause_ns);
  s["busy_segment_seconds"] = seconds(busy_ns(log));
  s["effective_parallelism"] =
      log.last_ns > 0 ? static_cast<double>(busy_ns(log)) / static_cast<double>(log.last_ns) : 0.0;
  s["truncated"] = log.truncated ? json(*log.truncated) : json(nullptr);
  return s;
}

json report_json(const log_contents &log, const std::vector<report_entry> &entries, std::size_t top,
                 sources &src) {
  json j;
  j["schema"] = kSchema;
  j["summary"] = summary_json(log);
  json list = json::array();
  for (std::size_t i = 0; i < entries.size() && i < top; ++i) {
    const report_entry &e = entries[i];
    json item;
    item["rank"] = i + 1;
    item["kind"] = e.key.kind;
    item["count"] = e.totals.count;
    item["lost_seconds"] = seconds(e.totals.lost_ns);
    item["paused_seconds"] = seconds(e.totals.paused_ns);
    item["type"] = e.key.type.empty() ? json(nullptr) : json(e.key.type);
    json sites = json::array();
    for (const role &r : e.roles)
      sites.push_back(site_json(r, src));
    item["sites"] = sites;
    list.push_back(item);
  }
  j["entries"] = list;
  j["more_entries"] = entries.size() > top ? entries.size() - top : 0;
  return j;
}

void print_text(const std::string &path, const log_contents &log,
                const std::vector<report_entry> &entries, std::size_t top, sources &src) {
  const std::uint64_t aborts = total_aborts(log);
  const double attempts = static_cast<double>(log.commits + aborts);
  std::printf("%s: %u segments, %zu %s, %.6f s\n", path.c_str(), log.segments, log.threads,
              log.threads == 1 ? "thread" : "threads", seconds(log.last_ns));
  std::printf("  %llu commits, %llu aborts (%.2f %%)", static_cast<unsigned long long>(log.commits),
              static_cast<unsigned long long>(aborts),
              attempts ? 100.0 * static_cast<double>(aborts) / attempts : 0.0);
  const char *sep = ": ";
  for (const auto &[kind, count] : log.aborts) {
    if (kind == "cancelled")
      continue;
    std::printf("%s%llu %s", sep, static_cast<unsigned long long>(count), kind.c_str());
    sep = ", ";
  }
  if (const auto cancelled = log.aborts.find("cancelled"); cancelled != log.aborts.end())
    std::printf("; %llu atomic blocks cancelled (stm::atomic_cancel)",
                static_cast<unsigned long long>(cancelled->second));
  std::printf("\n  %.6f s lost in aborts; %.6f s paused", seconds(log.lost_ns),
              seconds(total_paused(log)));
  sep = " (";
  for (const auto &[kind, ns] : log.paused_ns) {
    std::printf("%swaiting for %s %.6f s", sep,
                kind == "inevitable" ? "inevitable transactions"
                : kind == "segment"  ? "segments"
                                     : "stopped worlds",
                seconds(ns));
    sep = ", ";
  }
  std::printf("%s\n", *sep == ',' ? ")" : "");
  std::printf("  %llu inevitable transactions; %llu collections, %.6f s stopped\n",
              static_cast<unsigned long long>(log.inevitable),
              static_cast<unsigned long long>(log.collections), seconds(log.collection_pause_ns));
  std::printf("  effective parallelism %.2f (time in atomic blocks and tasks, on all segments, "
              "per second of the run)\n",
              log.last_ns ? static_cast<double>(busy_ns(log)) / static_cast<double>(log.last_ns)
                          : 0.0);
  if (log.truncated)
    std::printf("  note: %s\n", log.truncated->c_str());
  if (entries.empty())
    std::printf("\nno aborts and no waits\n");
  for (std::size_t i = 0; i < entries.size() && i < top; ++i) {
    const report_entry &e = entries[i];
    std::printf("\n%zu. %.6f s lost, %.6f s paused: %llux %s", i + 1, seconds(e.totals.lost_ns),
                seconds(e.totals.paused_ns), static_cast<unsigned long long>(e.totals.count),
                describe_kind(e.key.kind));
    if (!e.key.type.empty())
      std::printf(" on %s", e.key.type.c_str());
    std::printf("\n");
    for (const role &r : e.roles) {
      if (!r.reason.empty()) {
        std::printf("   %-17s %s\n", r.name, r.reason.c_str());
        if (const auto parts = parse_site(r.site))
          if (const auto text = src.line(*parts))
            std::printf("   %-17s | %s\n", "", text->c_str());
        continue;
      }
      if (r.site.empty()) {
        std::printf("   %-17s %s\n", r.name,
                    std::strcmp(r.name, "aborted read") == 0
                        ? "not recorded (build with -fplugin-arg-stmify-read-sites)"
                    : e.key.kind == "inevitable" || e.key.kind == "segment" ||
                            e.key.kind == "stopped-world"
                        ? "code outside atomic blocks, or a block without a site"
                        : "unknown (no site recorded)");
        continue;
      }
      std::printf("   %-17s %s\n", r.name, r.site.c_str());
      if (const auto parts = parse_site(r.site))
        if (const auto text = src.line(*parts))
          std::printf("   %-17s | %s\n", "", text->c_str());
    }
  }
  if (entries.size() > top) {
    std::int64_t rest = 0;
    for (std::size_t i = top; i < entries.size(); ++i)
      rest += entries[i].totals.lost_ns + entries[i].totals.paused_ns;
    std::printf("\nand %zu more, %.6f s in all (--top N shows more)\n", entries.size() - top,
                seconds(rest));
  }
  if (src.missing())
    std::printf("\n(no source text where a file could not be read: site paths are relative to "
                "the directory the compiler ran in; see --source-dir)\n");
  if (src.any_changed())
    std::printf("\n(some source files changed after the run began: their lines shown may not be "
                "the ones the program ran)\n");
}

// ------------------------------------------------------------- the timeline

const char *colour(outcome how) {
  switch (how) {
  case outcome::committed:
    return "#43a047";
  case outcome::write_write:
    return "#e53935";
  case outcome::write_read:
    return "#fb8c00";
  case outcome::forced:
    return "#9e9e9e";
  case outcome::other:
  case outcome::cancelled:
    return "#8e24aa";
  }
  return "#000000";
}

// One lane per segment; in each pixel column, the outcome that took most of
// the column's time, so that a long run stays a few thousand rectangles.
void write_timeline(const std::string &out_path, const log_contents &log) {
  constexpr int kColumns = 1000, kLeft = 90, kLane = 26, kBar = 18, kTop = 30;
  const int lanes = static_cast<int>(log.segments);
  const int height = kTop + lanes * kLane + 70;
  const double span = static_cast<double>(std::max<std::int64_t>(log.last_ns, 1));
  const auto column_of = [&](std::int64_t t) {
    return std::clamp(static_cast<int>(static_cast<double>(t) / span * kColumns), 0, kColumns - 1);
  };
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kLeft + kColumns + 60
      << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg << "<title>stmify-log timeline</title>\n";
  svg << "<text x=\"" << kLeft << "\" y=\"18\">" << log.segments << " segments, "
      << seconds(log.last_ns) << " s</text>\n";
  constexpr int kOutcomes = 6;
  for (int lane = 0; lane < lanes; ++lane) {
    const unsigned segment = static_cast<unsigned>(lane + 1);
    const int y = kTop + lane * kLane;
    svg << "<g class=\"lane\" data-segment=\"" << segment << "\">\n";
    svg << "<text x=\"4\" y=\"" << y + 13 << "\">segment " << segment << "</text>\n";
    svg << "<rect x=\"" << kLeft << "\" y=\"" << y << "\" width=\"" << kColumns << "\" height=\""
        << kBar << "\" fill=\"#f5f5f5\"/>\n";
    std::vector<std::array<double, kOutcomes>> time(kColumns, std::array<double, kOutcomes>{});
    for (const attempt &a : log.attempts) {
      if (a.segment != segment)
        continue;
      for (int c = column_of(a.begin_ns); c <= column_of(a.end_ns); ++c) {
        const double lo = std::max(static_cast<double>(a.begin_ns), c * span / kColumns);
        const double hi = std::min(static_cast<double>(a.end_ns), (c + 1) * span / kColumns);
        time[static_cast<std::size_t>(c)][static_cast<int>(a.how)] += std::max(hi - lo, 1.0);
      }
    }
    // A column's colour is the outcome that took most of its time; its
    // opacity, in four steps, how much of the column the segment was busy.
    auto shade = [&](int c) {
      const auto &t = time[static_cast<std::size_t>(c)];
      const auto best = std::max_element(t.begin(), t.end());
      if (*best <= 0)
        return std::pair(-1, 0);
      double busy = 0;
      for (double v : t)
        busy += v;
      const int level = std::clamp(static_cast<int>(std::ceil(busy / (span / kColumns) * 4)), 1, 4);
      return std::pair(static_cast<int>(best - t.begin()), level);
    };
    for (int c = 0; c < kColumns;) {
      const auto [d, level] = shade(c);
      int end = c + 1;
      while (end < kColumns && shade(end) == std::pair(d, level))
        ++end;
      if (d >= 0)
        svg << "<rect x=\"" << kLeft + c << "\" y=\"" << y << "\" width=\"" << end - c
            << "\" height=\"" << kBar << "\" fill=\"" << colour(static_cast<outcome>(d))
            << "\" fill-opacity=\"" << level * 0.25 << "\"/>\n";
      c = end;
    }
    for (const stretch &s : log.inevitable_stretches)
      if (s.segment == segment)
        svg << "<rect class=\"inevitable\" x=\"" << kLeft + column_of(s.begin_ns) << "\" y=\""
            << y + kBar << "\" width=\"" << std::max(1, column_of(s.end_ns) - column_of(s.begin_ns))
            << "\" height=\"4\" "
            << "fill=\"#fdd835\"/>\n";
    svg << "</g>\n";
  }
  for (const stretch &s : log.collection_stretches)
    svg << "<rect class=\"collection\" x=\"" << kLeft + column_of(s.begin_ns) << "\" y=\"" << kTop
        << "\" width=\"" << std::max(1, column_of(s.end_ns) - column_of(s.begin_ns))
        << "\" height=\"" << lanes * kLane << "\" fill=\"#1e88e5\" fill-opacity=\"0.35\"/>\n";
  const int axis = kTop + lanes * kLane + 4;
  for (int i = 0; i <= 4; ++i) {
    const int x = kLeft + i * (kColumns - 1) / 4;
    svg << "<line x1=\"" << x << "\" y1=\"" << axis << "\" x2=\"" << x << "\" y2=\"" << axis + 5
        << "\" stroke=\"black\"/>\n<text x=\"" << x - 10 << "\" y=\"" << axis + 18 << "\">"
        << std::setprecision(3) << seconds(static_cast<std::int64_t>(span * i / 4))
        << std::setprecision(6) << " s</text>\n";
  }
  const std::pair<const char *, const char *> legend[] = {
      {"#43a047", "committed"},           {"#e53935", "aborted: write-write"},
      {"#fb8c00", "aborted: write-read"}, {"#9e9e9e", "aborted: forced"},
      {"#8e24aa", "aborted: other"},      {"#fdd835", "inevitable"},
      {"#1e88e5", "collection"}};
  int x = kLeft;
  for (const auto &[fill, label] : legend) {
    svg << "<rect x=\"" << x << "\" y=\"" << axis + 30 << "\" width=\"12\" height=\"12\" fill=\""
        << fill << "\"/><text x=\"" << x + 16 << "\" y=\"" << axis + 40 << "\">" << label
        << "</text>\n";
    x += 22 + static_cast<int>(std::strlen(label)) * 7;
  }
  svg << "</svg>\n";
  std::ofstream out(out_path);
  out << svg.str();
  if (!out.flush())
    fail("cannot write '" + out_path + "'");
}

void usage(std::FILE *to) {
  std::fprintf(to,
               "usage: stmify-log [--json] [--top N] [--timeline OUT.svg] [--source-dir DIR] LOG\n"
               "Reads a log written with STMIFY_LOG=LOG and prints where transactions lost time:\n"
               "a summary, then the causes that cost the most (aborts and waits), each with the\n"
               "two sites involved and their source lines.\n"
               "  --json             the report as JSON (schema \"%s\", docs/user-guide.md)\n"
               "  --top N            how many causes to show (default 10; 0: all)\n"
               "  --timeline OUT.svg also draws one lane per segment over time\n"
               "  --source-dir DIR   where relative site paths start (default: the current\n"
               "                     directory; the directory the compiler ran in)\n",
               kSchema);
}

} // namespace

int main(int argc, char **argv) {
  bool as_json = false;
  std::size_t top = 10;
  std::string timeline, source_dir = ".", path;
  bool options_end = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> attached; // --option=value
    if (!options_end && arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      attached = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
    }
    auto value = [&]() -> std::string {
      if (attached)
        return *attached;
      if (i + 1 >= argc)
        fail(arg + " needs a value");
      return argv[++i];
    };
    if (options_end) {
      if (!path.empty())
        fail("one log at a time (" + path + " and " + arg + ")");
      path = arg;
      continue;
    }
    if (arg == "--") {
      options_end = true;
      continue;
    }
    if (arg == "--json") {
      as_json = true;
    } else if (arg == "--top") {
      const std::string v = value();
      char *end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end || v[0] == '-')
        fail("--top " + v + ": not a number");
      top = n == 0 ? SIZE_MAX : n;
    } else if (arg == "--timeline") {
      timeline = value();
    } else if (arg == "--source-dir") {
      source_dir = value();
    } else if (arg == "-h" || arg == "--help") {
      usage(stdout);
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      usage(stderr);
      fail("unknown option " + arg);
    } else if (path.empty()) {
      path = arg;
    } else {
      fail("one log at a time (" + path + " and " + arg + ")");
    }
  }
  if (path.empty()) {
    usage(stderr);
    fail("no log given");
  }
  if (!timeline.empty()) {
    // A slip of the arguments must not overwrite a log with its picture.
    std::error_code error;
    if (std::filesystem::equivalent(path, timeline, error))
      fail("--timeline " + timeline + " is the log itself");
    std::ifstream existing(timeline, std::ios::binary);
    char magic[sizeof fmt::kMagic] = {};
    if (existing.read(magic, sizeof magic) && std::memcmp(magic, fmt::kMagic, sizeof magic) == 0)
      fail("--timeline " + timeline + " is a stmify log; it is not overwritten");
  }
  const log_contents log = reader(path).read();
  const std::vector<report_entry> entries = ranked(log);
  sources src(source_dir, log.started_unix_ns);
  if (!timeline.empty())
    write_timeline(timeline, log);
  if (as_json)
    std::cout
        << report_json(log, entries, top, src).dump(2, ' ', false, json::error_handler_t::replace)
        << "\n";
  else
    print_text(path, log, entries, top, src);
  if (log.truncated) {
    std::cout.flush();
    std::fflush(stdout); // the report, then the warning, when both go to one place
    std::fprintf(stderr, "stmify-log: warning: %s\n", log.truncated->c_str());
  }
  return 0;
}
