#include "conflict_report.h"

#include "commit_log.h"
#include "config.h"
#include "event_log.h"
#include "heap.h"
#include "immortal.h"
#include "registry.h"
#include "segment.h"
#include "setup.h"
#include "site_text.h"
#include "sync.h"
#include "types.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace stm::rt {

bool g_observing = false;

namespace {

enum class cause_kind : std::uint8_t { other, forced, write_write, write_read, inevitable_wait };

// One line of the report: a kind and its sites. Strings, not pointers: the
// same site may be spelled by two translation units.
struct cause_key {
  cause_kind kind;
  std::string other; // the committed write's site, or the inevitable's reason
  std::string own;   // the aborted write's site (write-write), the inevitable block's (waits)
  std::string block; // the aborted or waiting atomic block's site
  std::string type;  // the object's type
  bool operator<(const cause_key &o) const {
    return std::tie(kind, other, own, block, type) <
           std::tie(o.kind, o.other, o.own, o.block, o.type);
  }
};

struct cause_totals {
  std::uint64_t count = 0;
  std::int64_t ns = 0; // lost in aborts, or paused waiting
};

struct report_tag;
std::mutex &report_lock() { return immortal<std::mutex, report_tag>(); }
std::map<cause_key, cause_totals> &causes() {
  return immortal<std::map<cause_key, cause_totals>, report_tag>();
}

std::string text(const char *s) { return s ? s : ""; }

bool g_summing = false; // STMIFY_REPORT

void note(cause_key key, std::int64_t ns) noexcept {
  if (!g_summing)
    return;
  try {
    std::lock_guard<std::mutex> lock(report_lock());
    cause_totals &t = causes()[std::move(key)];
    ++t.count;
    t.ns += ns;
  } catch (...) {
    // Out of memory: the report misses this event; the program goes on.
  }
}

// The text of the source line a site names, without its indentation;
// nothing if the file cannot be read or has no such line.
std::optional<std::string> source_line(const std::string &site) {
  const auto parts = site_text::parse_site(site);
  if (!parts)
    return std::nullopt;
  const long wanted = parts->line;
  std::FILE *f = std::fopen(parts->file.c_str(), "r");
  if (!f)
    return std::nullopt;
  std::string line;
  long number = 1;
  for (int c; (c = std::fgetc(f)) != EOF && number <= wanted;) {
    if (c == '\n')
      ++number;
    else if (number == wanted)
      line += static_cast<char>(c);
  }
  std::fclose(f);
  if (number < wanted)
    return std::nullopt;
  line.erase(0, line.find_first_not_of(" \t"));
  constexpr std::size_t kShown = 72;
  if (line.size() > kShown)
    line = line.substr(0, kShown - 3) + "...";
  return line;
}

constexpr const char *kUnknownWrite = "unknown (a write barrier without a site, or one the "
                                      "collector or the runtime's memory left unrecorded)";
constexpr const char *kUnknownBlock =
    "a transaction_queue task or an atomic block without a site (not written by the plugin)";

class report_writer {
public:
  explicit report_writer(std::FILE *out) : out_(out) {}

  void site(const char *role, const std::string &site, const char *unknown = kUnknownBlock) {
    if (site.empty()) {
      std::fprintf(out_, "stmify:      %-16s %s\n", role, unknown);
      return;
    }
    std::fprintf(out_, "stmify:      %-16s %s", role, site.c_str());
    with_source(site);
  }

  // A reason such as "call to 'printf' at file:line:column (in main)".
  void reason(const char *role, const std::string &reason) {
    std::fprintf(out_, "stmify:      %-16s %s", role,
                 reason.empty() ? "an unknown reason" : reason.c_str());
    const std::string site = site_text::site_of_reason(reason);
    if (site.empty())
      std::fputc('\n', out_);
    else
      with_source(site);
  }

  // After the report: why some lines have no source text.
  void note_missing_sources() {
    if (missing_)
      std::fprintf(out_, "stmify: (no source text where the file could not be opened: site paths "
                         "are relative to the directory the compiler ran in)\n");
  }

private:
  void with_source(const std::string &site) {
    if (const std::optional<std::string> line = source_line(site)) {
      std::fprintf(out_, "   | %s\n", line->c_str());
    } else {
      std::fputc('\n', out_);
      missing_ = true;
    }
  }

  std::FILE *out_;
  bool missing_ = false;
};

const char *plural(std::uint64_t n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

// STMIFY_VERBOSE: lines as things happen, at most kVerbosePerSecond a
// second; the next line after a quiet moment says how many were left out.
constexpr unsigned kVerbosePerSecond = 20;
struct verbose_tag;
std::mutex &verbose_lock() { return immortal<std::mutex, verbose_tag>(); }
std::int64_t g_verbose_window_ns = 0;
unsigned g_verbose_in_window = 0;
unsigned long long g_verbose_left_out = 0;

// Whether a line may be printed now; if so, first says how many were not.
bool verbose_line_allowed() noexcept {
  const std::int64_t now = monotonic_ns();
  if (now - g_verbose_window_ns >= 1'000'000'000) {
    g_verbose_window_ns = now;
    g_verbose_in_window = 0;
  }
  if (g_verbose_in_window == kVerbosePerSecond) {
    ++g_verbose_left_out;
    return false;
  }
  ++g_verbose_in_window;
  if (g_verbose_left_out) {
    std::fprintf(stderr, "stmify: (%llu more %s not shown)\n", g_verbose_left_out,
                 plural(g_verbose_left_out, "message", "messages"));
    g_verbose_left_out = 0;
  }
  return true;
}

// At exit: the live messages left out since the last one printed.
void say_left_out_at_exit() {
  if (!verbose_lock().try_lock())
    return; // another thread is printing one (or a forked child's copy is held)
  if (g_verbose_left_out)
    std::fprintf(stderr, "stmify: (%llu more %s not shown)\n", g_verbose_left_out,
                 plural(g_verbose_left_out, "message", "messages"));
  g_verbose_left_out = 0;
  verbose_lock().unlock();
}

const char *or_unknown(const char *site, const char *unknown) {
  return site && *site ? site : unknown;
}

void say_conflict(const conflict_cause &cause, const char *block, std::int64_t lost_ns) noexcept {
  std::lock_guard<std::mutex> lock(verbose_lock());
  if (!verbose_line_allowed())
    return;
  const char *type = cause.type_name ? cause.type_name : "an object";
  if (cause.kind == conflict_kind::write_write)
    std::fprintf(stderr,
                 "stmify: detected conflict: write-write on %s: committed write at %s, aborted "
                 "write at %s, in atomic block %s; the attempt aborted, %.6f s lost\n",
                 type, or_unknown(cause.committed_site, "an unknown site"),
                 or_unknown(cause.own_site, "an unknown site"),
                 or_unknown(block, "(a task or block without a site)"), lost_ns * 1e-9);
  else if (cause.own_site)
    std::fprintf(stderr,
                 "stmify: detected conflict: write-read on %s: committed write at %s, read at %s "
                 "in atomic block %s; the attempt aborted, %.6f s lost\n",
                 type, or_unknown(cause.committed_site, "an unknown site"), cause.own_site,
                 or_unknown(block, "(a task or block without a site)"), lost_ns * 1e-9);
  else
    std::fprintf(stderr,
                 "stmify: detected conflict: write-read on %s: committed write at %s, read in "
                 "atomic block %s; the attempt aborted, %.6f s lost\n",
                 type, or_unknown(cause.committed_site, "an unknown site"),
                 or_unknown(block, "(a task or block without a site)"), lost_ns * 1e-9);
}

void write_at_exit() {
  // A child forked while another thread held the report's lock would wait
  // for it forever: after a tenth of a second it prints nothing instead.
  for (int tries = 0; !report_lock().try_lock(); ++tries) {
    if (tries == 100)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  report_lock().unlock();
  write_conflict_report(stderr, 10);
}

} // namespace

void setup_conflict_report() noexcept {
  g_observing = g_config.report != 0 || g_logging || g_config.verbose != 0;
  _stm_observing = g_observing;
  if (g_config.verbose)
    std::atexit(say_left_out_at_exit);
  if (g_config.report == 0)
    return;
  g_summing = true;
  std::atexit(write_at_exit);
}

void begin_observed_attempt(segment &seg, unsigned attempt) noexcept {
  seg.tx.began_ns = monotonic_ns();
  seg.tx.conflict = {};
  seg.tx.read_sites.clear(); // not in clear(): only reporting fills it
  if (g_logging)
    log_begin(seg.index, attempt, seg.tx.site, seg.tx.began_ns);
}

void note_commit(const segment &seg) noexcept {
  if (g_logging)
    log_commit(seg.index, seg.tx.writes.size(), seg.tx.site);
}

void note_write_site(transaction_state &tx, const char *site) noexcept {
  if (tx.writes.empty()) // a new transaction, or one that published its progress
    tx.write_sites.clear();
  try {
    tx.write_sites.push_back(site);
  } catch (...) {
    tx.write_sites.clear(); // out of memory: this transaction's records go without sites
  }
}

void note_read_site(transaction_state &tx, std::uintptr_t header, const char *site) noexcept {
  if (tx.kind != tx_kind::atomic || !site)
    return;
  try {
    tx.read_sites.push_back({header, site});
  } catch (...) {
    // Out of memory: this read goes without its site.
  }
}

void label_records(commit_entry &e, const transaction_state &tx) noexcept {
  if (tx.write_sites.size() != tx.writes.size())
    return;
  log_record *r = e.first();
  for (const char *site : tx.write_sites) {
    r->site = site;
    r = r->next();
  }
}

conflict_cause describe_conflict(segment &seg, const log_record &r) noexcept {
  conflict_cause cause;
  cause.committed_site = r.site;
  transaction_state &tx = seg.tx;
  const write_record *own = r.whole() ? tx.written(r.start, false) : tx.written(r.start, true);
  if (!own && !r.whole())
    own = tx.written(r.object, false);
  // Markers are per object: another card of an array this transaction wrote
  // part of conflicts too, and so does a whole record of an array it wrote
  // only cards of.
  for (std::size_t i = 0; !own && i < tx.writes.size(); ++i)
    if (tx.writes[i].object == r.object)
      own = &tx.writes[i];
  cause.kind = own ? conflict_kind::write_write : conflict_kind::write_read;
  cause.object = r.header_offset();
  if (own && tx.write_sites.size() == tx.writes.size())
    cause.own_site = tx.write_sites[static_cast<std::size_t>(own - tx.writes.data())];
  if (!own)
    for (const transaction_state::read_site &read : tx.read_sites)
      if (read.header == r.header_offset()) {
        cause.own_site = read.site;
        break;
      }
  const auto *header = reinterpret_cast<const stm_object_t *>(seg.base + r.header_offset());
  if (const stm_type_descriptor_t *type = type_of(header->stm_tid))
    cause.type_name = type->name;
  return cause;
}

void note_abort(const segment &seg, bool cancelled) noexcept {
  const conflict_cause &cause = seg.tx.conflict;
  const std::int64_t lost_ns = monotonic_ns() - seg.tx.began_ns;
  cause_kind kind = cause_kind::other;
  log_format::abort_kind logged = log_format::abort_kind::other;
  switch (cause.kind) {
  case conflict_kind::none:
    break;
  case conflict_kind::forced:
    kind = cause_kind::forced;
    logged = log_format::abort_kind::forced;
    break;
  case conflict_kind::write_write:
    kind = cause_kind::write_write;
    logged = log_format::abort_kind::write_write;
    break;
  case conflict_kind::write_read:
    kind = cause_kind::write_read;
    logged = log_format::abort_kind::write_read;
    break;
  }
  if (cancelled)
    logged = log_format::abort_kind::cancelled;
  if (g_logging)
    log_abort(logged, seg.index, seg.tx.site, cause.committed_site, cause.own_site, cause.type_name,
              cause.object, lost_ns);
  if (cancelled)
    return; // the block ends: nothing was lost to a conflict
  if (g_config.verbose && (kind == cause_kind::write_write || kind == cause_kind::write_read))
    say_conflict(cause, seg.tx.site, lost_ns);
  note({kind, text(cause.committed_site), text(cause.own_site), text(seg.tx.site),
        text(cause.type_name)},
       lost_ns);
}

void note_inevitable_wait(unsigned seg, std::uint64_t generation, const char *reason,
                          const char *holder_site, const char *block_site,
                          std::int64_t paused_ns) noexcept {
  if (g_logging)
    log_pause(log_format::pause_kind::inevitable, seg, block_site, generation, paused_ns);
  note({cause_kind::inevitable_wait, text(reason), text(holder_site), text(block_site), ""},
       paused_ns);
}

void note_inevitable(segment &seg, std::uint64_t generation, const char *reason) noexcept {
  auto &cause = seg.tx.inevitable_cause;
  cause.since_ns = monotonic_ns();
  cause.generation = generation;
  try {
    cause.reason = reason ? reason : "";
  } catch (...) {
    cause.reason.clear(); // out of memory: no reason in the live message
  }
  const char *block = seg.tx.kind == tx_kind::atomic ? seg.tx.site : nullptr;
  if (g_logging)
    log_inevitable(seg.index, generation, block, reason);
}

void note_inevitable_end(const segment &seg, unsigned waiters) noexcept {
  const auto &cause = seg.tx.inevitable_cause;
  const std::int64_t held_ns = monotonic_ns() - cause.since_ns;
  if (g_logging)
    log_inevitable_end(seg.index, cause.generation, held_ns);
  if (!g_config.verbose || waiters == 0)
    return;
  const char *reason = cause.reason.c_str();
  const char *holder_site = seg.tx.kind == tx_kind::atomic ? seg.tx.site : nullptr;
  std::lock_guard<std::mutex> lock(verbose_lock());
  if (!verbose_line_allowed())
    return;
  std::fprintf(stderr,
               "stmify: inevitable transaction (%s) in atomic block %s blocked %u other %s "
               "for up to %.6f s\n",
               or_unknown(reason, "an unknown reason"),
               or_unknown(holder_site, "(code outside atomic blocks, or a task)"), waiters,
               plural(waiters, "transaction", "transactions"), held_ns * 1e-9);
}

namespace {
void note_pause(log_format::pause_kind kind, std::int64_t paused_ns) noexcept {
  if (!g_logging)
    return;
  const thread_record *t = current_thread();
  const segment *seg = t ? t->seg : nullptr;
  log_pause(kind, seg ? seg->index : 0,
            seg && seg->tx.kind == tx_kind::atomic ? seg->tx.site : nullptr, 0, paused_ns);
}
} // namespace

void note_segment_wait(std::int64_t paused_ns) noexcept {
  note_pause(log_format::pause_kind::segment, paused_ns);
}

void note_stopped_world_wait(std::int64_t paused_ns) noexcept {
  note_pause(log_format::pause_kind::stopped, paused_ns);
}

void note_collection(std::int64_t began_ns, std::int64_t pause_ns, std::uint64_t live_bytes,
                     std::uint64_t freed_bytes) noexcept {
  if (g_logging)
    log_collection(began_ns, pause_ns, live_bytes, freed_bytes);
}

void write_conflict_report(std::FILE *out, unsigned top) noexcept {
  try {
    std::vector<std::pair<cause_key, cause_totals>> rows;
    {
      std::lock_guard<std::mutex> lock(report_lock());
      rows.assign(causes().begin(), causes().end());
    }
    std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
      return a.second.ns != b.second.ns ? a.second.ns > b.second.ns : a.first < b.first;
    });
    std::uint64_t commits = 0, aborts = 0;
    for (unsigned i = 1; g_segments && i <= g_heap.segments; ++i)
      commits += segment_at(i).stats.commits.get();
    std::int64_t lost = 0, paused = 0;
    for (const auto &[key, totals] : rows) {
      if (key.kind == cause_kind::inevitable_wait) {
        paused += totals.ns;
      } else {
        lost += totals.ns;
        aborts += totals.count;
      }
    }
    const double attempts = static_cast<double>(commits + aborts);
    std::fprintf(out,
                 "stmify: report: %llu %s committed, %llu %s aborted (%.2f %%); wall-clock time "
                 "lost in aborts %.6f s, paused waiting for inevitable transactions %.6f s\n",
                 static_cast<unsigned long long>(commits),
                 plural(commits, "atomic block", "atomic blocks"),
                 static_cast<unsigned long long>(aborts), plural(aborts, "attempt", "attempts"),
                 attempts ? 100.0 * static_cast<double>(aborts) / attempts : 0.0, lost * 1e-9,
                 paused * 1e-9);
    if (rows.empty())
      std::fprintf(out, "stmify: no aborts and no waits for inevitable transactions\n");
    report_writer w(out);
    unsigned rank = 0;
    for (const auto &[key, totals] : rows) {
      if (++rank > top)
        break;
      const double seconds = totals.ns * 1e-9;
      const auto count = static_cast<unsigned long long>(totals.count);
      const char *aborts_word = plural(totals.count, "abort", "aborts");
      const char *type = key.type.empty() ? "an object" : key.type.c_str();
      switch (key.kind) {
      case cause_kind::write_write:
        std::fprintf(out, "stmify: %u. %.6f s lost in %llu %s: write-write conflict on %s\n", rank,
                     seconds, count, aborts_word, type);
        w.site("committed write", key.other, kUnknownWrite);
        w.site("aborted write", key.own, kUnknownWrite);
        w.site("in atomic block", key.block);
        break;
      case cause_kind::write_read:
        std::fprintf(out, "stmify: %u. %.6f s lost in %llu %s: write-read conflict on %s\n", rank,
                     seconds, count, aborts_word, type);
        w.site("committed write", key.other, kUnknownWrite);
        if (!key.own.empty()) // a build with read sites
          w.site("aborted read", key.own);
        w.site("aborted block", key.block);
        break;
      case cause_kind::other:
        std::fprintf(out, "stmify: %u. %.6f s lost in %llu %s without a conflict\n", rank, seconds,
                     count, aborts_word);
        w.site("aborted block", key.block);
        break;
      case cause_kind::forced:
        std::fprintf(out, "stmify: %u. %.6f s lost in %llu %s forced by STMIFY_FORCE_ABORTS\n",
                     rank, seconds, count, aborts_word);
        w.site("aborted block", key.block);
        break;
      case cause_kind::inevitable_wait:
        std::fprintf(out, "stmify: %u. %.6f s paused in %llu %s for an inevitable transaction\n",
                     rank, seconds, count, plural(totals.count, "wait", "waits"));
        w.reason("inevitable by", key.other);
        w.site("inevitable block", key.own);
        if (key.block.empty())
          std::fprintf(out, "stmify:      %-16s %s\n", "waiting", "code outside atomic blocks");
        else
          w.site("waiting block", key.block);
        break;
      }
    }
    if (rows.size() > top) {
      std::int64_t rest = 0;
      for (std::size_t i = top; i < rows.size(); ++i)
        rest += rows[i].second.ns;
      std::fprintf(out, "stmify: and %zu more %s, %.6f s in all\n", rows.size() - top,
                   plural(rows.size() - top, "cause", "causes"), rest * 1e-9);
    }
    w.note_missing_sources();
    std::fflush(out);
  } catch (...) {
    std::fprintf(out, "stmify: report: out of memory\n");
  }
}

void reset_conflict_report() noexcept {
  {
    std::lock_guard<std::mutex> lock(report_lock());
    causes().clear();
  }
  std::lock_guard<std::mutex> lock(verbose_lock());
  g_verbose_window_ns = 0;
  g_verbose_in_window = 0;
  g_verbose_left_out = 0;
}

} // namespace stm::rt
