// Heap pages that segments hold alike are kept once. Every segment window
// maps its heap privately from one memory file, the *heap file*: a page a
// segment has not written since it last matched the file is the file's own
// page, and the first write makes the segment a copy of it, as any private
// mapping does. Pages are shared again when a stale segment is refreshed and
// at every collection (docs/architecture.md §3, "Shared pages").
//
// The rule that keeps every view right: the file's bytes of a page change
// only while no current segment (one that is not stale) shares that page.
#ifndef STMIFY_RUNTIME_SHARED_PAGES_H
#define STMIFY_RUNTIME_SHARED_PAGES_H

#include <cstddef>
#include <cstdint>

namespace stm::rt {

struct segment;

// Creates the heap file when windows are to share pages (two segments or
// more, no barrier sanitizer, a readable /proc/self/pagemap); before the
// windows are mapped.
void setup_shared_pages() noexcept;
// Do the segment windows map their heap from the heap file?
bool pages_shared() noexcept;
// Bytes of memory the heap file holds.
std::size_t heap_file_bytes() noexcept;
// Maps the heap part of the window at `base` from the heap file.
void map_shared_heap(std::uintptr_t base, unsigned segment_index) noexcept;

// Makes stale segment `to`, being refreshed, hold what `from` holds in the
// heap range [begin, end) (offsets, whole pages). Pages `to` already reads
// alike (the heap file's) are left shared; a page that differs goes into the
// heap file if no current segment reads the file's page, else into a copy of
// `to`'s own. A donor no thread holds (`from_idle`) gives back its copies
// of the pages `to` then reads from the file. With fewer than three current
// segments, `to` gets copies of everything, as a private window would. Under
// the log reclaimer's lock, with the world stopped or not.
void copy_differing_pages(segment &from, bool from_idle, segment &to, std::uintptr_t begin,
                          std::uintptr_t end) noexcept;

// Whole blocks [start, start + length), freed and dropped from every window,
// leave the heap file too. Says whether they now read as zeros everywhere.
bool forget_pages(std::uintptr_t start, std::size_t length) noexcept;

// Runs with every thread stopped: a segment's private copy of a page that
// equals the heap file's is given back. A page no current segment shares
// first gets the bytes of one of its copies. Segments whose thread is in a
// blocking call keep their copies (the kernel may be writing into them).
void share_equal_pages() noexcept;

} // namespace stm::rt

#endif
