// Pieces of the runtime on their own.
#include "objects.h"

#include "allocator.h"
#include "config.h"
#include "heap.h"

#include "test_environment.h"

#include <gtest/gtest.h>

STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "4"}, {"STMIFY_HEAP_LIMIT", "256M"});

namespace stmtest {
namespace {

using namespace stm::rt;

TEST(SizeClasses, CoverEverySmallSizeWithMultiplesOfTheGranule) {
  std::size_t previous = 0;
  for (unsigned cls = 0; cls < kSizeClasses; ++cls) {
    std::size_t size = class_size(cls);
    EXPECT_GT(size, previous);
    EXPECT_EQ(size % kGranule, 0u);
    EXPECT_EQ(size_class(size), cls);
    EXPECT_EQ(size_class(previous + 1), cls);
    previous = size;
  }
  EXPECT_EQ(previous, kMaxSmall);
}

// A host with more cores than the runtime supports segments still starts.
TEST(Settings, DefaultSegmentCountIsOnePerCoreUpToTheMaximum) {
  EXPECT_EQ(default_segment_count(1), 1u);
  EXPECT_EQ(default_segment_count(48), 48u);
  EXPECT_EQ(default_segment_count(kMaxSegments), kMaxSegments);
  EXPECT_EQ(default_segment_count(384), kMaxSegments);
}

TEST(Layout, WindowsAreAlignedAndSegmentsDistinct) {
  EXPECT_EQ(stm::segment_limit(), 4u); // from the test environment
  EXPECT_EQ(g_heap.window_size & g_heap.mask, 0u);
  EXPECT_EQ(g_heap.canonical % g_heap.window_size, 0u);
  EXPECT_LE(g_heap.heap_end, g_heap.window_size);
  // The markers of the whole heap lie below it.
  const std::uintptr_t base = g_heap.window(1);
  EXPECT_LE(reinterpret_cast<std::uintptr_t>(g_heap.marker(base, g_heap.heap_end)) - base,
            g_heap.heap_begin);
  EXPECT_EQ(_stm_canonical_base, g_heap.canonical);
}

TEST(Barriers, TranslationIsIdempotentAndCanonicalRoundTrips) {
  Cell *c = stm::make<Cell>();
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(c) & ~g_heap.mask, g_heap.canonical)
      << "stm::make returns the canonical reference";
  Cell *local = stm::loc(c);
  EXPECT_NE(local, c);
  EXPECT_EQ(stm::loc(local), local);
  EXPECT_EQ(stm::rd(local), local);
  EXPECT_EQ(stm::canon(local), c);
  EXPECT_EQ(stm::canon(c), c);
  EXPECT_EQ(stm::canon(static_cast<Cell *>(nullptr)), nullptr);
}

TEST(Barriers, NonManagedTypesPassThrough) {
  int x = 0;
  EXPECT_EQ(stm::rd(&x), &x);
  EXPECT_EQ(stm::wr(&x), &x);
  EXPECT_EQ(&stm::rd(x), &x);
}

struct Base : stm::object {
  long a = 1;
  using __stmify_traced_type = Base;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};
struct Polymorphic : Base {
  virtual ~Polymorphic() = default;
  virtual long value() const { return a + b; }
  long b = 2;
  using __stmify_traced_type = Polymorphic;
  static void __stmify_trace(const void *o, stm_visit_fn v, void *c) {
    Base::__stmify_trace(static_cast<const Base *>(static_cast<const Polymorphic *>(o)), v, c);
  }
};

TEST(Objects, PolymorphicClassesKeepTheirHeaderInTheBase) {
  const stm_type_descriptor_t &d = stm::detail::descriptor<Polymorphic>();
  EXPECT_EQ(d.header_offset, sizeof(void *)) << "the vptr comes first";
  Polymorphic *p = stm::make<Polymorphic>();
  Base *as_base = p;
  EXPECT_NE(static_cast<void *>(as_base), static_cast<void *>(p));
  EXPECT_EQ(stm::loc(p)->value(), 3);
  stm::atomic([&] { stm::wr(as_base)->a = 10; });
  EXPECT_EQ(stm::loc(p)->value(), 12);
}

template <std::size_t Align, std::size_t Size> struct alignas(Align) Aligned : stm::object {
  unsigned char bytes[Size - sizeof(stm::object)] = {};
  using __stmify_traced_type = Aligned;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};

// Every object of an over-aligned class, small (in a size class) or large (in
// whole blocks), is aligned in its canonical form and in every segment.
template <std::size_t Align, std::size_t Size> void expect_aligned() {
  using T = Aligned<Align, Size>;
  static_assert(alignof(T) == Align && sizeof(T) % Align == 0);
  for (int i = 0; i < 40; ++i) {
    stm::make<Cell>(); // shifts the next free slot of the small classes
    T *p = stm::make<T>();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % Align, 0u) << Align << "/" << sizeof(T);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(stm::loc(p)) % Align, 0u);
  }
}

TEST(Objects, OverAlignedClassesAreAligned) {
  expect_aligned<32, 48>();
  expect_aligned<64, 64>();
  expect_aligned<64, 200>();
  expect_aligned<128, 300>();
  expect_aligned<256, 700>();
  expect_aligned<1024, 1500>();
  expect_aligned<4096, 4096>();
  expect_aligned<8192, 9000>();
  expect_aligned<16384, 20000>();
}

} // namespace
} // namespace stmtest
