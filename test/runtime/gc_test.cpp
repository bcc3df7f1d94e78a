// The collector: what survives, what is reclaimed, and when.
#include "test_environment.h"

#include "virtual_threads.h"

#include "gc.h"
#include "heap.h"
#include "page_map.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <vector>

// A small heap, so that collections come quickly.
STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "4"}, {"STMIFY_HEAP_LIMIT", "32M"});

namespace stmtest {
namespace {

using stm::testing::allocated_at;

struct Tree : stm::object {
  long value = 0;
  Tree *kids[4] = {};
  Tree *parent = nullptr;
  using __stmify_traced_type = Tree;
  static void __stmify_trace(const void *o, stm_visit_fn v, void *c) {
    auto *t = static_cast<const Tree *>(o);
    stm::detail::trace_value(t->kids, v, c);
    stm::detail::trace_value(t->parent, v, c);
  }
};

struct Big : stm::object {
  long words[2000] = {}; // 16 KB: a large object
  Node *link = nullptr;
  using __stmify_traced_type = Big;
  static void __stmify_trace(const void *o, stm_visit_fn v, void *c) {
    stm::detail::trace_value(static_cast<const Big *>(o)->link, v, c);
  }
};

// An object's identity kept as a number that does not look like a reference
// (a conservative scan would rightly keep the object alive otherwise).
struct hidden {
  static constexpr std::uintptr_t kKey = 0x5a5a5a5a5a5a5a5aULL;
  std::uintptr_t bits;
  template <class T> explicit hidden(T *p) : bits(stm::id(p) ^ kKey) {}
  const void *get() const { return reinterpret_cast<const void *>(bits ^ kKey); }
};

// Allocates objects and forgets them; returns their hidden identities.
__attribute__((noinline)) std::vector<hidden> allocate_and_forget(int count) {
  std::vector<hidden> ids;
  for (int i = 0; i < count; ++i)
    ids.emplace_back(stm::make<Cell>());
  return ids;
}

// Overwrites the stack below the caller, where dead frames may still hold
// references (the collector scans from where a thread stopped, which may lie
// in that region).
__attribute__((noinline)) void clear_dead_stack() {
  volatile char scratch[32 * 1024];
  std::memset(const_cast<char *>(scratch), 0, sizeof scratch);
}

__attribute__((noinline)) std::vector<hidden> allocate_bigs_and_forget(int count) {
  std::vector<hidden> ids;
  for (int i = 0; i < count; ++i)
    ids.emplace_back(stm::make<Big>());
  return ids;
}

std::size_t count_freed(const std::vector<hidden> &ids) {
  std::size_t freed = 0;
  for (const hidden &h : ids)
    freed += !allocated_at(h.get());
  return freed;
}

// Objects no one refers to any more, to be collected.
void make_garbage(int count) {
  for (int i = 0; i < count; ++i)
    set(stm::make<Cell>(), i);
}

// Fills the heap's freed slots, so that a wrongly freed object is overwritten.
void reuse_freed_memory() {
  for (int i = 0; i < 20000; ++i)
    stm::wr(stm::make<Node>())->key = -1;
}

Tree *build_tree(int depth, Tree *parent) {
  Tree *t = stm::make<Tree>();
  stm::wr(t)->value = depth;
  stm::wr(t)->parent = parent;
  if (depth > 0)
    for (int i = 0; i < 4; ++i)
      stm::wr(t)->kids[i] = build_tree(depth - 1, t);
  return t;
}

long check_tree(Tree *t, int depth, Tree *parent) {
  if (!allocated_at(t) || stm::rd(t)->value != depth || stm::rd(t)->parent != parent)
    return -1000000;
  long count = 1;
  if (depth > 0)
    for (int i = 0; i < 4; ++i)
      count += check_tree(stm::rd(t)->kids[i], depth - 1, t);
  return count;
}

TEST(Collector, UnreachableObjectsAreFreed) {
  std::vector<hidden> ids = allocate_and_forget(1000);
  publish();
  clear_dead_stack();
  for (const hidden &h : ids)
    EXPECT_TRUE(allocated_at(h.get()));
  stm::statistics before = stm::stats();
  stm::collect();
  stm::statistics after = stm::stats();
  EXPECT_EQ(after.collections, before.collections + 1);
  EXPECT_GT(count_freed(ids), 990u) << "a few stale words may still look like references";
}

TEST(Collector, FieldsArraysAndCyclesKeepObjectsAlive) {
  Tree *root = build_tree(4, nullptr); // 341 nodes, each pointing at its parent
  publish();
  make_garbage(5000);
  stm::collect();
  reuse_freed_memory();
  EXPECT_EQ(check_tree(root, 4, nullptr), 341);
}

TEST(Collector, LargeObjectsAreTracedAndFreed) {
  Big *big = stm::make<Big>();
  Node *n = stm::make<Node>();
  stm::wr(n)->key = 77;
  stm::wr(big)->link = n;
  stm::wr(big)->words[1999] = 5;
  publish();
  std::vector<hidden> dropped = allocate_bigs_and_forget(20);
  publish();
  clear_dead_stack();
  stm::collect();
  EXPECT_GE(count_freed(dropped), 18u) << "a stale word may keep one or two alive";
  reuse_freed_memory();
  EXPECT_TRUE(allocated_at(big));
  EXPECT_EQ(stm::rd(stm::rd(big)->link)->key, 77);
  EXPECT_EQ(stm::rd(big)->words[1999], 5);
}

struct Shape : stm::object {
  virtual ~Shape() = default;
  virtual long area() const = 0;
  Node *label = nullptr;
  using __stmify_traced_type = Shape;
  static void __stmify_trace(const void *o, stm_visit_fn v, void *c) {
    stm::detail::trace_value(static_cast<const Shape *>(o)->label, v, c);
  }
};
struct Square : Shape {
  long side = 3;
  Node *corner = nullptr;
  long area() const override { return side * side; }
  using __stmify_traced_type = Square;
  static void __stmify_trace(const void *o, stm_visit_fn v, void *c) {
    auto *s = static_cast<const Square *>(o);
    Shape::__stmify_trace(static_cast<const Shape *>(s), v, c);
    stm::detail::trace_value(s->corner, v, c);
  }
};

TEST(Collector, PolymorphicObjectsAreTracedThroughTheirDynamicType) {
  Shape *shape = stm::make<Square>();
  Node *label = stm::make<Node>(), *corner = stm::make<Node>();
  stm::wr(label)->key = 1;
  stm::wr(corner)->key = 2;
  stm::wr(shape)->label = label;
  stm::wr(static_cast<Square *>(shape))->corner = corner;
  publish();
  label = corner = nullptr;
  make_garbage(5000);
  stm::collect();
  reuse_freed_memory();
  EXPECT_EQ(stm::loc(shape)->area(), 9);
  EXPECT_EQ(stm::rd(stm::rd(shape)->label)->key, 1);
  EXPECT_EQ(stm::rd(stm::rd(static_cast<Square *>(shape))->corner)->key, 2);
}

TEST(Collector, ContainersOfTheProgramAreRoots) {
  std::vector<Node *> nodes;
  for (int i = 0; i < 100; ++i) {
    Node *n = stm::make<Node>();
    stm::wr(n)->key = i;
    nodes.push_back(n);
  }
  std::string padding(1000, 'x'); // the vector's buffer is on the malloc heap
  publish();
  make_garbage(5000);
  stm::collect();
  reuse_freed_memory();
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(stm::rd(nodes[i])->key, i);
}

// A reference into an object, on a granule's boundary or not, keeps the
// whole object alive (the collector finds an object's start from a
// reference to its start without dividing by the slot size).
struct Wide : stm::object {
  long words[11] = {}; // 96 bytes with the header: six granules
  using __stmify_traced_type = Wide;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

constexpr std::uintptr_t kInteriorOffsets[] = {8, 16, 40, 48, 88};

__attribute__((noinline)) std::vector<std::uintptr_t> interior_references() {
  std::vector<std::uintptr_t> references;
  for (std::uintptr_t offset : kInteriorOffsets) {
    Wide *w = stm::make<Wide>();
    for (long &word : stm::wr(w)->words)
      word = static_cast<long>(offset);
    references.push_back(reinterpret_cast<std::uintptr_t>(stm::canon(w)) + offset);
  }
  return references;
}

TEST(Collector, ReferencesIntoObjectsKeepThemAlive) {
  const std::vector<std::uintptr_t> references = interior_references();
  publish();
  clear_dead_stack();
  make_garbage(5000);
  stm::collect();
  reuse_freed_memory();
  for (std::size_t i = 0; i < references.size(); ++i) {
    auto *w = reinterpret_cast<Wide *>(references[i] - kInteriorOffsets[i]);
    ASSERT_TRUE(allocated_at(w)) << "referred to at byte " << kInteriorOffsets[i];
    for (long word : stm::rd(w)->words)
      EXPECT_EQ(word, static_cast<long>(kInteriorOffsets[i]));
  }
}

// Memory given back while the collector scans for roots is skipped, not
// read: the collector's own frees may give the top of the malloc heap back,
// and threads that are not attached may unmap what they own meanwhile. A
// managed object that a later page of the same mapping refers to survives.
TEST(Collector, MemoryUnmappedWhileTheScanRunsIsSkipped) {
  constexpr std::size_t kPages = 64, kPageBytes = 4096;
  static char *mapping = nullptr;
  mapping = static_cast<char *>(mmap(nullptr, kPages * kPageBytes, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mapping, MAP_FAILED);
  std::memset(mapping, 1, kPages * kPageBytes);
  Node *kept = stm::make<Node>();
  stm::wr(kept)->key = 42;
  Node *canonical = stm::canon(kept);
  std::memcpy(mapping + (kPages - 1) * kPageBytes, &canonical, sizeof canonical);
  canonical = kept = nullptr;
  publish();
  // Given back between the page map's look at the pages and their reading.
  stm::testing::in_next_scan([](std::uintptr_t from, std::uintptr_t to) {
    const auto begin = reinterpret_cast<std::uintptr_t>(mapping);
    if (from >= begin + (kPages / 2) * kPageBytes || to <= begin)
      return false;
    munmap(mapping, (kPages / 2) * kPageBytes);
    return true;
  });
  stm::collect();
  Node *found;
  std::memcpy(&found, mapping + (kPages - 1) * kPageBytes, sizeof found);
  EXPECT_TRUE(allocated_at(found));
  EXPECT_EQ(stm::rd(found)->key, 42);
  munmap(mapping + (kPages / 2) * kPageBytes, (kPages / 2) * kPageBytes);
}

// The program's static data are roots: initialised data (a mapping of the
// program's file), zero-initialised data, and the zero-initialised data past
// the file's last page, which the system maps as anonymous memory (the scan
// of the modules' data reads it; the scan of anonymous memory leaves it out).
struct initialised_root {
  long tag = 1;
  Node *node = nullptr;
};
initialised_root g_initialised_root;
Node *g_zeroed_root;
Node *g_zeroed_tail[64 * 1024];

__attribute__((noinline)) void make_static_roots() {
  g_initialised_root.node = stm::make<Node>();
  stm::wr(g_initialised_root.node)->key = 1;
  g_zeroed_root = stm::make<Node>();
  stm::wr(g_zeroed_root)->key = 2;
  Node *&tail = g_zeroed_tail[std::size(g_zeroed_tail) - 1];
  tail = stm::make<Node>();
  stm::wr(tail)->key = 3;
}

TEST(Collector, TheProgramsStaticDataAreRoots) {
  make_static_roots();
  publish();
  clear_dead_stack();
  make_garbage(5000);
  stm::collect();
  reuse_freed_memory();
  Node *const found[] = {g_initialised_root.node, g_zeroed_root,
                         g_zeroed_tail[std::size(g_zeroed_tail) - 1]};
  for (long key = 1; key <= 3; ++key) {
    ASSERT_TRUE(allocated_at(found[key - 1])) << "the root with key " << key;
    EXPECT_EQ(stm::rd(found[key - 1])->key, key);
  }
  g_initialised_root.node = g_zeroed_root = g_zeroed_tail[std::size(g_zeroed_tail) - 1] = nullptr;
}

// Pages of [begin, end) that are resident: mincore counts a page that was
// only read (the zero page mapped there) too.
std::size_t resident_pages(std::uintptr_t begin, std::uintptr_t end) {
  std::vector<unsigned char> pages((end - begin) / 4096);
  if (mincore(reinterpret_cast<void *>(begin), end - begin, pages.data()) != 0)
    return ~std::size_t(0);
  std::size_t resident = 0;
  for (unsigned char page : pages)
    resident += page & 1;
  return resident;
}

alignas(4096) char g_never_written[16 * 4096];

// The runtime's own table in its static data (512 KiB of pointers to the
// managed types' descriptors) holds no roots, and the scan does not read it:
// reading it made every page resident in every process and took most of a
// small heap's collection. The program's own zero-initialised data is read.
TEST(Collector, TheRuntimesTablesAreNotReadForRoots) {
  constexpr std::uintptr_t kPageBytes = 4096;
  const auto [table, bytes] = stm::testing::type_table();
  ASSERT_GE(bytes, std::size_t(256) << 10);
  // Past the first pages, which hold the types registered so far: zeros.
  const std::uintptr_t begin =
      (reinterpret_cast<std::uintptr_t>(table) + 2 * kPageBytes) & ~(kPageBytes - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(table) + bytes) & ~(kPageBytes - 1);
  // The same for the program's data: past its first pages, which may be a
  // mapping of the program's file.
  const std::uintptr_t data = reinterpret_cast<std::uintptr_t>(g_never_written) + 2 * kPageBytes;
  const std::uintptr_t data_end =
      reinterpret_cast<std::uintptr_t>(g_never_written + sizeof g_never_written);
  // Given back first, so that neither earlier tests nor huge pages made them resident.
  ASSERT_EQ(madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED), 0);
  ASSERT_EQ(madvise(reinterpret_cast<void *>(data), data_end - data, MADV_DONTNEED), 0);
  ASSERT_EQ(resident_pages(data, data_end), 0u);
  stm::collect();
  EXPECT_EQ(resident_pages(data, data_end), (data_end - data) / kPageBytes)
      << "the program's zero-initialised data was not read, or mincore does not show it";
  EXPECT_EQ(resident_pages(begin, end), 0u)
      << "of " << (end - begin) / kPageBytes << " pages of the type table";
}

// The scan leaves out exactly the ranges it is asked to, in any order,
// overlapping, nested or touching.
TEST(Collector, TheScanLeavesOutExactlyTheRangesAskedFor) {
  using parts = std::vector<std::pair<std::uintptr_t, std::uintptr_t>>;
  using stm::testing::parts_outside;
  EXPECT_EQ(parts_outside(100, 200, {}), (parts{{100, 200}}));
  EXPECT_EQ(parts_outside(100, 100, {}), (parts{}));
  EXPECT_EQ(parts_outside(100, 200, {{0, 100}, {200, 300}}), (parts{{100, 200}}));
  EXPECT_EQ(parts_outside(100, 200, {{0, 300}}), (parts{}));
  EXPECT_EQ(parts_outside(100, 200, {{100, 200}}), (parts{}));
  EXPECT_EQ(parts_outside(100, 200, {{50, 120}}), (parts{{120, 200}}));
  EXPECT_EQ(parts_outside(100, 200, {{180, 250}}), (parts{{100, 180}}));
  EXPECT_EQ(parts_outside(100, 200, {{140, 150}, {120, 130}}),
            (parts{{100, 120}, {130, 140}, {150, 200}}));
  EXPECT_EQ(parts_outside(100, 200, {{120, 140}, {140, 160}}), (parts{{100, 120}, {160, 200}}));
  EXPECT_EQ(parts_outside(100, 200, {{120, 160}, {130, 140}}), (parts{{100, 120}, {160, 200}}));
  EXPECT_EQ(parts_outside(100, 200, {{120, 150}, {140, 170}}), (parts{{100, 120}, {170, 200}}));
  EXPECT_EQ(parts_outside(100, 200, {{140, 170}, {120, 150}, {0, 110}}),
            (parts{{110, 120}, {170, 200}}));
}

// A module closed while the scan for roots runs (by a thread that is not
// attached), and memory mapped where its data was: the scan read the
// module's data before and leaves those addresses out of the scan of
// anonymous memory, so it reads them again. A managed object that only the
// new memory refers to survives.
struct closed_module {
  void *handle = nullptr;
  std::uintptr_t data = 0, data_end = 0; // its writable segment
  char *mapped = nullptr;                // what was mapped there after
  std::uintptr_t hidden_reference = 0;   // what the new memory then holds
};
closed_module g_module;

int find_module_data(dl_phdr_info *info, std::size_t, void *) {
  if (!info->dlpi_name || !std::strstr(info->dlpi_name, "runtime_gc_test_module"))
    return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i)
    if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_W)) {
      g_module.data = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
      g_module.data_end = g_module.data + info->dlpi_phdr[i].p_memsz;
    }
  return 1;
}

__attribute__((noinline)) void hide_a_node() {
  Node *n = stm::make<Node>();
  stm::wr(n)->key = 42;
  g_module.hidden_reference = hidden(n).bits;
}

TEST(Collector, WhatIsMappedWhereAClosedModuleWasIsRead) {
  g_module.handle = dlopen(STMIFY_GC_TEST_MODULE, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(g_module.handle, nullptr) << dlerror();
  dl_iterate_phdr(find_module_data, nullptr);
  ASSERT_LT(g_module.data, g_module.data_end);
  hide_a_node();
  publish();
  clear_dead_stack();
  stm::testing::in_next_scan([](std::uintptr_t, std::uintptr_t) {
    dlclose(g_module.handle);
    constexpr std::uintptr_t kPageBytes = 4096;
    const std::uintptr_t page = g_module.data & ~(kPageBytes - 1);
    void *at =
        mmap(reinterpret_cast<void *>(page), g_module.data_end - page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (at != MAP_FAILED) {
      g_module.mapped = static_cast<char *>(at);
      const std::uintptr_t reference = g_module.hidden_reference ^ hidden::kKey;
      std::memcpy(reinterpret_cast<void *>(g_module.data_end - sizeof reference), &reference,
                  sizeof reference);
    }
    return true;
  });
  make_garbage(5000);
  stm::collect();
  ASSERT_NE(g_module.mapped, nullptr) << "the module's addresses were not free after dlclose";
  reuse_freed_memory();
  Node *found;
  std::memcpy(&found, reinterpret_cast<void *>(g_module.data_end - sizeof found), sizeof found);
  EXPECT_TRUE(allocated_at(found));
  EXPECT_EQ(stm::rd(found)->key, 42);
  munmap(g_module.mapped, g_module.data_end - reinterpret_cast<std::uintptr_t>(g_module.mapped));
}

// Objects that only a local, a register or a lambda capture of another thread
// refers to survive a collection that this thread triggers.
TEST(Collector, OtherThreadsLocalsRegistersAndCapturesAreRoots) {
  std::atomic<int> stage{0};
  std::atomic<long> seen{0};
  std::thread holder([&] {
    stm::detail::safe_point();
    Node *in_local = stm::make<Node>();
    stm::wr(in_local)->key = 11;
    Node *captured = stm::make<Node>();
    stm::wr(captured)->key = 22;
    auto closure = [captured] { return stm::rd(captured)->key; };
    captured = nullptr;
    stage.store(1);
    while (stage.load() != 2)
      stm::detail::safe_point(); // the collection stops this thread here
    seen.store(stm::rd(in_local)->key + closure());
  });
  while (stage.load() != 1)
    std::this_thread::yield();
  make_garbage(5000);
  stm::collect();
  reuse_freed_memory();
  stage.store(2);
  join_all(holder);
  EXPECT_EQ(seen.load(), 33);
}

// Builds a list of `length` nodes and remembers their identities.
__attribute__((noinline)) Node *build_list(int length, std::vector<hidden> &ids) {
  Node *head = nullptr;
  for (int i = 0; i < length; ++i) {
    Node *n = stm::make<Node>();
    stm::wr(n)->key = i;
    stm::wr(n)->next = head;
    head = n;
    ids.emplace_back(n);
  }
  return head;
}

// While no thread holds a segment (this one waits in the join, and the thread
// that collects never ran instrumented code), the committed heap lies only in
// idle segments; the collector must trace them.
TEST(Collector, ACollectionWhileNoThreadHoldsASegmentKeepsWhatIsReachable) {
  std::vector<hidden> ids;
  Node *head = build_list(500, ids);
  publish();
  clear_dead_stack();
  std::thread collector([] { stm::collect(); });
  collector.join(); // gives this thread's segment up while it waits
  EXPECT_EQ(count_freed(ids), 0u);
  reuse_freed_memory();
  int length = 0;
  for (Node *n = head; n && length <= 500; n = stm::rd(n)->next)
    EXPECT_EQ(stm::rd(n)->key, 499 - length++);
  EXPECT_EQ(length, 500);
}

// A long array whose writes are tracked per 512-byte card; element 61 is the
// first of card 1 (the items start 24 bytes in).
using Longs = stm::array<long>;
constexpr std::size_t kLongs = 4000; // 32 KB
constexpr std::size_t kItemsOffset = 24;
std::size_t first_of_card(std::size_t card) { return (card * _STM_CARD_BYTES - kItemsOffset) / 8; }

class CollectorAndTransactions : public VirtualThreads {
protected:
  // Thread 1 writes the first item of a card of b in a transaction: thread 2
  // sees the write, and an aborted write is undone.
  void expect_card_write_published_and_undone(Longs *b, std::size_t card) {
    const std::size_t item = first_of_card(card);
    as(1);
    stm_start_transaction();
    b->set(item, 42);
    EXPECT_EQ(stm_commit_transaction(), 0);
    as(2);
    stm::detail::ambient_boundary("refresh");
    EXPECT_EQ(b->get(item), 42) << "the write was published";
    as(1);
    stm_start_transaction();
    b->set(item, 7);
    stm_abort_transaction();
    EXPECT_EQ(b->get(item), 42) << "the write was undone";
  }
};

TEST_F(CollectorAndTransactions, VersionsRunningTransactionsCanStillSeeSurvive) {
  as(0);
  Tree *root = stm::make<Tree>();
  Tree *other = stm::make<Tree>();
  publish();
  // Thread 1 links a new object under `other` and has not committed.
  as(1);
  stm_start_transaction();
  Tree *mine = stm::make<Tree>();
  stm::wr(mine)->value = 5;
  stm::wr(other)->kids[0] = mine;
  mine = nullptr;
  // Thread 2 will unlink an object that thread 0's snapshot still shows.
  as(0);
  Tree *old = stm::make<Tree>();
  stm::wr(old)->value = 6;
  stm::wr(root)->kids[1] = old;
  publish();
  as(2);
  stm_start_transaction();
  Tree *seen_by_2 = stm::rd(root)->kids[1];
  EXPECT_EQ(stm::rd(seen_by_2)->value, 6);
  as(0);
  stm_start_transaction();
  stm::wr(root)->kids[1] = nullptr;
  EXPECT_EQ(stm_commit_transaction(), 0);
  old = nullptr;
  seen_by_2 = nullptr; // only thread 2's snapshot still refers to it
  as(0);               // the collection runs from thread 0
  make_garbage(2000);
  stm::collect();
  reuse_freed_memory();
  as(2);
  Tree *again = stm::rd(root)->kids[1];
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(allocated_at(again));
  EXPECT_EQ(stm::rd(again)->value, 6);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(1);
  Tree *child = stm::rd(other)->kids[0];
  ASSERT_NE(child, nullptr);
  EXPECT_TRUE(allocated_at(child));
  EXPECT_EQ(stm::rd(child)->value, 5);
  EXPECT_EQ(stm_commit_transaction(), 0);
}

TEST_F(CollectorAndTransactions, ObjectsOfAbortedTransactionsAreReclaimed) {
  committed_cell(0);
  as(1);
  stm_start_transaction();
  hidden big(stm::make<Big>());
  std::vector<hidden> small = allocate_and_forget(50);
  stm_abort_transaction();
  EXPECT_FALSE(allocated_at(big.get())) << "a large object is freed at once";
  as(2);
  stm::collect();
  EXPECT_GE(count_freed(small), 48u);
}

// A size no other test type has, so that its blocks are easy to predict.
struct Odd : stm::object {
  long words[88] = {}; // 712 bytes: its own size class
  using __stmify_traced_type = Odd;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

__attribute__((noinline)) void publish_odd_garbage() {
  Odd *dead = stm::make<Odd>();
  for (long &w : stm::wr(dead)->words)
    w = 666;
  publish();
}

TEST_F(CollectorAndTransactions, LaggingSegmentDoesNotImportDeadObjectsOverReusedSlots) {
  as(1); // attached before the dead object is published: lags behind
  as(0);
  publish_odd_garbage();
  clear_dead_stack();
  stm::collect(); // frees the Odd; its block becomes the only free Odd block
  as(1);
  Odd *fresh = stm::make<Odd>(); // likely in the dead object's slot
  for (long &w : stm::wr(fresh)->words)
    w = 1;
  stm::detail::ambient_boundary("import the old commit");
  for (long w : stm::rd(fresh)->words)
    ASSERT_EQ(w, 1) << "a dead object's old bytes overwrote a live object";
  as(2);
  stm::detail::ambient_boundary("see it");
  EXPECT_EQ(stm::rd(fresh)->words[87], 1);
}

// Idle segments stop following the log once that costs more than copying the
// heap; they are copied from another segment when a thread takes them again.

// Writes card 1 of a new (committed) array in thread 1's running
// transaction, then forgets the array.
__attribute__((noinline)) hidden write_a_card_and_forget() {
  Longs *a = stm::make_array<Longs::value_type>(kLongs);
  publish();
  stm_start_transaction();
  a->set(first_of_card(1), 1);
  return hidden(a);
}

// A collection that frees an array while a running transaction has written
// one of its cards: the card's flag (in a marker outside the object) must be
// cleared, or a later array on those blocks whose card starts there looks
// backed up already, and its writes are neither published nor undone.
TEST_F(CollectorAndTransactions, CardsOfAFreedArrayStartClearOnTheNextOne) {
  committed_cell(0);
  as(1);
  const hidden old = write_a_card_and_forget();
  clear_dead_stack();
  stm::collect();              // the transaction is still running
  if (allocated_at(old.get())) // the scan is conservative: a stale word kept it
    GTEST_SKIP() << "a word on the stack still refers to the array";
  EXPECT_EQ(stm_commit_transaction(), 0);
  // Blocks are reused first fit: allocate until an array has a card where
  // the old one's card 1 was.
  const std::uintptr_t stale_flag = reinterpret_cast<std::uintptr_t>(old.get()) + _STM_CARD_BYTES;
  std::vector<Longs *> arrays;
  Longs *b = nullptr;
  std::size_t card = 0;
  for (int i = 0; i < 64 && !b; ++i) {
    Longs *a = arrays.emplace_back(stm::make_array<long>(kLongs));
    const std::uintptr_t start = stm::id(a);
    if (start < stale_flag && stale_flag < start + kLongs * sizeof(long)) {
      b = a;
      card = (stale_flag - start) / _STM_CARD_BYTES;
    }
  }
  ASSERT_NE(b, nullptr) << "no new array took the freed one's blocks";
  publish();
  expect_card_write_published_and_undone(b, card);
}

// Cells that fill whole blocks (32-byte slots: a header every 32 bytes, so on
// every card boundary of a later array on those blocks).
__attribute__((noinline)) std::vector<hidden> committed_cells(int count) {
  std::vector<hidden> ids;
  for (int i = 0; i < count; ++i)
    ids.emplace_back(stm::make<Cell>());
  publish();
  return ids;
}

__attribute__((noinline)) void read_all(const std::vector<hidden> &ids) {
  for (const hidden &h : ids)
    EXPECT_EQ(stm::rd(static_cast<const Cell *>(h.get()))->value, 0);
}

// An array among new ones that has a card (not the first) starting where one
// of the dead cells' headers was, and that card's number.
std::pair<Longs *, std::size_t> array_with_card_on(const std::vector<hidden> &dead) {
  for (int i = 0; i < 64; ++i) {
    Longs *a = stm::make_array<long>(kLongs);
    const std::uintptr_t start = stm::id(a);
    for (const hidden &h : dead) {
      const auto cell = reinterpret_cast<std::uintptr_t>(h.get());
      if (cell >= start + _STM_CARD_BYTES && cell < start + kLongs * sizeof(long) &&
          (cell - start) % _STM_CARD_BYTES == 0)
        return {a, (cell - start) / _STM_CARD_BYTES};
    }
  }
  return {nullptr, 0};
}

// Read markers stay in a segment after the transaction that set them; a card's
// flag is in a marker too. Blocks the collector frees must come back with
// their markers zero in every segment, or a later array there has cards that
// look backed up already, and their writes are neither published nor undone.
TEST_F(CollectorAndTransactions, MarkersOfFreedBlocksDoNotLookLikeCardFlags) {
  committed_cell(0);
  const std::vector<hidden> cells = committed_cells(4000);
  as(1);
  stm_start_transaction();
  read_all(cells);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(0);
  clear_dead_stack();
  stm::collect();
  if (count_freed(cells) != cells.size())
    GTEST_SKIP() << "a word on the stack still refers to a cell";
  const auto [b, card] = array_with_card_on(cells);
  ASSERT_NE(b, nullptr) << "no new array took the cells' blocks";
  publish();
  expect_card_write_published_and_undone(b, card);
}

// An aborted transaction frees the large objects it made at once; the blocks
// go back with its markers zero too (here: the read marker on the second
// array's header, where a card of a later, longer array starts).
TEST_F(CollectorAndTransactions, MarkersOfAnAbortedTransactionsArraysDoNotLookLikeCardFlags) {
  committed_cell(0);
  as(1);
  stm_start_transaction();
  Longs *first = stm::make_array<long>(kLongs);
  Longs *second = stm::make_array<long>(kLongs);
  EXPECT_EQ(second->get(0), 0);
  const std::uintptr_t header = stm::id(second);
  ASSERT_EQ(header, stm::id(first) + 2 * 16384) << "the arrays are not adjacent";
  first = second = nullptr;
  stm_abort_transaction();
  std::vector<Longs *> arrays;
  Longs *b = nullptr;
  for (int i = 0; i < 64 && !b; ++i) {
    Longs *a = arrays.emplace_back(stm::make_array<long>(7000));
    if (stm::id(a) < header && header < stm::id(a) + 7000 * sizeof(long))
      b = a;
  }
  ASSERT_NE(b, nullptr) << "no new array took the freed arrays' blocks";
  publish();
  expect_card_write_published_and_undone(b, (header - stm::id(b)) / _STM_CARD_BYTES);
}

// Zeroing the markers of freed blocks must not lose a conflict: a running
// transaction that read an object which another committed since, and which
// then died, still aborts.
TEST_F(CollectorAndTransactions, AReaderOfAnObjectThatDiedStillConflictsWithItsWriter) {
  committed_cell(0);
  std::vector<hidden> cells = committed_cells(4000);
  as(1);
  stm_start_transaction();
  read_all(cells);
  as(2);
  stm_start_transaction();
  set(static_cast<Cell *>(const_cast<void *>(cells[2000].get())), 5);
  EXPECT_EQ(stm_commit_transaction(), 0);
  clear_dead_stack();
  stm::collect();
  if (count_freed(cells) != cells.size())
    GTEST_SKIP() << "a word on the stack still refers to a cell";
  as(1);
  EXPECT_NE(stm_commit_transaction(), 0) << "it read a value that was overwritten";
}

TEST_F(CollectorAndTransactions, StaleSegmentsAreCopiedBackCorrectly) {
  for (int i = 1; i < 4; ++i) { // threads 1 and 2 attach, then go idle
    as(i % 3);
    stm::testing::detach_current();
  }
  as(0);
  Longs *cards = stm::make_array<long>(kLongs);
  cards->set(first_of_card(1), 5);
  std::vector<Cell *> kept;
  for (int i = 0; i < 600000; ++i) { // about 19 MiB of commits
    Cell *c = stm::make<Cell>();
    set(c, i);
    if (i % 1000 == 0)
      kept.push_back(c);
    if (i % 20000 == 0) {
      publish();
      stm::testing::reclaim_log();
    }
  }
  publish();
  stm::testing::reclaim_log();
  unsigned stale = 0;
  for (unsigned s = 1; s <= stm::segment_limit(); ++s)
    stale += stm::testing::segment_is_stale(s);
  EXPECT_GE(stale, 2u) << "the idle segments stopped following the log";
  // Thread 0 has uncommitted writes when the next thread copies its segment,
  // among them a card of an array backed up before the whole array was.
  stm_start_transaction();
  set(kept[1], -1);
  cards->set(first_of_card(1), -5);
  stm::wr(cards); // the whole array is backed up now, card 1 holding -5
  as(1);          // takes a stale segment: copied from thread 0's (with its writes undone)
  for (std::size_t k = 0; k < kept.size(); ++k)
    ASSERT_EQ(get(kept[k]), static_cast<long>(k * 1000));
  EXPECT_EQ(cards->get(first_of_card(1)), 5);
  stm::testing::detach_current(); // idle, current: the next one copies it
  as(2);
  for (std::size_t k = 0; k < kept.size(); ++k)
    ASSERT_EQ(get(kept[k]), static_cast<long>(k * 1000));
  as(0);
  EXPECT_EQ(stm_commit_transaction(), 0);
  as(2);
  publish();
  EXPECT_EQ(get(kept[1]), -1);
}

// Makes a Cell whose only reference lies in `page`.
__attribute__((noinline)) void park_a_reference(void *page) {
  Cell *c = stm::make<Cell>();
  set(c, 77);
  publish();
  *static_cast<Cell **>(page) = c;
}

// A page of the program's memory that was swapped out still holds its
// references: the collector must read it (a resident-pages-only scan would
// free the object).
TEST(Collector, ObjectsReferencedOnlyFromSwappedOutMemoryStayAlive) {
  const std::size_t page_size = 4096;
  void *page = mmap(nullptr, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  park_a_reference(page);
  clear_dead_stack();
  unsigned char resident = 1;
  if (madvise(page, page_size, MADV_PAGEOUT) != 0 || mincore(page, page_size, &resident) != 0 ||
      (resident & 1))
    GTEST_SKIP() << "this machine does not swap pages out (no swap space)";
  stm::collect();
  Cell *back = *static_cast<Cell **>(page);
  EXPECT_TRUE(allocated_at(back));
  EXPECT_EQ(get(back), 77);
  munmap(page, page_size);
}

TEST(Collector, PagesThatArePresentOrSwappedOutAreScanned) {
  constexpr std::uint64_t present = std::uint64_t(1) << 63, swapped = std::uint64_t(1) << 62;
  EXPECT_TRUE(stm::rt::page_may_hold_data(present));
  EXPECT_TRUE(stm::rt::page_may_hold_data(swapped | 0x1234));
  EXPECT_FALSE(stm::rt::page_may_hold_data(0));
  EXPECT_FALSE(stm::rt::page_may_hold_data(std::uint64_t(1) << 61)); // file page, absent
}

// When a segment's read version wraps (every 65 535 transactions), its read
// markers are zeroed in place: the pages that hold marks stay mapped (the
// next transactions would fault each one in again, and dropping them costs a
// TLB shootdown), and pages nobody marked stay unmapped.
TEST(Collector, ReadMarkersAreZeroedInPlaceWhenTheReadVersionWraps) {
  stm::rt::ensure_setup();
  if (stm::rt::g_heap.sanitizer)
    GTEST_SKIP() << "the sanitizer's windows drop their marker pages";
  constexpr std::size_t kPages = 256; // 1 MiB of markers, above the memset size
  const std::size_t bytes = kPages * stm::rt::kPage;
  auto *markers = static_cast<unsigned char *>(
      mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(markers, MAP_FAILED);
  // A window base whose markers for the heap's blocks are these pages.
  const std::uintptr_t heap_begin = stm::rt::g_heap.heap_begin;
  const std::uintptr_t base = reinterpret_cast<std::uintptr_t>(markers) -
                              heap_begin / stm::rt::kGranule * stm::rt::kMarkerBytes;
  ASSERT_EQ(reinterpret_cast<unsigned char *>(stm::rt::g_heap.marker(base, heap_begin)), markers);
  markers[0] = 7;
  markers[10 * stm::rt::kPage + 3] = 9;
  stm::rt::reset_markers(base, heap_begin + bytes / stm::rt::kMarkerBytes * stm::rt::kGranule);
  std::vector<unsigned char> resident(kPages);
  ASSERT_EQ(mincore(markers, bytes, resident.data()), 0);
  EXPECT_EQ(markers[0], 0);
  EXPECT_EQ(markers[10 * stm::rt::kPage + 3], 0);
  EXPECT_TRUE(resident[0] & 1) << "a marked page was dropped";
  EXPECT_TRUE(resident[10] & 1) << "a marked page was dropped";
  EXPECT_FALSE(resident[5] & 1) << "a page nobody marked was mapped";
  munmap(markers, bytes);
}

TEST(Collector, IdentityIsStableAcrossThreadsAndBases) {
  Square *sq = stm::make<Square>();
  Shape *as_shape = sq;
  publish();
  EXPECT_EQ(stm::id(sq), stm::id(as_shape));
  EXPECT_EQ(stm::hash(sq), stm::hash(as_shape));
  std::uintptr_t elsewhere = 0;
  std::thread t([&] {
    stm::detail::safe_point();
    elsewhere = stm::id(stm::loc(as_shape));
  });
  join_all(t);
  EXPECT_EQ(elsewhere, stm::id(sq));
  stm::collect();
  EXPECT_EQ(stm::id(sq), stm::id(as_shape));
}

TEST(Collector, HeapLimitIsACatchableErrorNamingTheVariable) {
  std::vector<Big *> hoard;
  std::string message;
  try {
    for (;;)
      hoard.push_back(stm::make<Big>());
  } catch (const stm::heap_exhausted &e) {
    message = e.what();
  }
  EXPECT_NE(message.find("STMIFY_HEAP_LIMIT"), std::string::npos) << message;
  EXPECT_NE(message.find("32 MiB"), std::string::npos) << message;
  EXPECT_GT(hoard.size(), 1000u);
  hoard.clear();
  hoard.shrink_to_fit();
  publish();
  stm::collect();
  EXPECT_NO_THROW(stm::make<Big>()) << "space is back once the objects are unreachable";
}

} // namespace
} // namespace stmtest
