#include "segment.h"

#include "internal_memory.h"

#include <algorithm>

namespace stm::rt {

unsigned char *byte_arena::allocate_in_next_chunk(std::size_t rounded) {
  std::size_t i = next_ ? current_ + 1 : 0; // none yet: the first
  while (i < chunks_.size() && chunks_[i].size < rounded)
    ++i;
  if (i == chunks_.size()) {
    std::size_t size = std::max<std::size_t>(rounded, std::size_t(64) << 10);
    chunks_.push_back({static_cast<unsigned char *>(internal_allocate(size)), size});
    if (i == 0) {
      first_ = chunks_[0].bytes;
      first_end_ = first_ + size;
    }
  }
  current_ = i;
  next_ = chunks_[i].bytes + rounded;
  end_ = chunks_[i].bytes + chunks_[i].size;
  return chunks_[i].bytes;
}

void transaction_state::drop_write_index() noexcept {
  constexpr std::size_t kKeptBuckets = 1024;
  if (written_at.bucket_count() > kKeptBuckets)
    std::unordered_map<std::uintptr_t, std::size_t>().swap(written_at);
  else if (!written_at.empty())
    written_at.clear();
  indexed_writes = 0;
}

namespace {
// Starts are granule-aligned: the low bit tells a card's backup from its
// object's, which start at the same offset for card 0.
std::uintptr_t write_key(std::uintptr_t start, bool card) { return start | std::uintptr_t(card); }
} // namespace

write_record *transaction_state::written(std::uintptr_t start, bool card) noexcept {
  try {
    for (; indexed_writes < writes.size(); ++indexed_writes) {
      const write_record &w = writes[indexed_writes];
      written_at[write_key(w.start, w.card)] = indexed_writes;
    }
  } catch (const std::bad_alloc &) {
    // Imports run where nothing may throw; without memory for the index the
    // answer is still a scan away.
    for (write_record &w : writes)
      if (w.start == start && w.card == card)
        return &w;
    return nullptr;
  }
  auto it = written_at.find(write_key(start, card));
  return it == written_at.end() ? nullptr : &writes[it->second];
}

void transaction_state::rarely_used::clear() noexcept {
  preserved.clear();
  preserved_bytes.clear();
  on_commit.clear();
  on_abort.clear();
  handlers.clear();
}

} // namespace stm::rt
