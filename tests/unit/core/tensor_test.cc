#include "libattn/core/tensor.h"

#include <gtest/gtest.h>

#include "libattn/core/arena.h"
#include "libattn/core/error.h"
#include "libattn/core/rng.h"
#include "libattn/core/threads.h"

namespace attn {
namespace {

TEST(Tensor, ViewsShareStorageAndContiguousCopies) {
  Tensor t = Tensor::from({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor tt = t.transpose(0, 1);
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.contiguous().to_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor col = t.slice(1, 1, 2);
  EXPECT_EQ(col.contiguous().to_vector(), (std::vector<float>{1, 4}));
  t[1] = 10;
  EXPECT_EQ(tt.contiguous().to_vector()[2], 10);
  EXPECT_EQ(t.view({3, -1}).shape(), (Shape{3, 2}));
  EXPECT_THROW(t.view({4, 2}), Error);
  EXPECT_THROW(tt.data(), Error);
}

TEST(Tensor, PermuteAndSelect) {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = i;
  Tensor t = Tensor::from({2, 3, 4}, v);
  Tensor p = t.permute({2, 0, 1}).contiguous();  // [4, 2, 3]
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p[1 * 6 + 1 * 3 + 2], t[1 * 12 + 2 * 4 + 1]);
  EXPECT_EQ(t.select(1, 2).contiguous().to_vector(), (std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23}));
}

TEST(Tensor, StorageIs64ByteAligned) {
  Arena arena;
  for (int64_t n : {1, 3, 17, 1000}) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(Tensor::empty({n}).data()) % 64, 0u);
    ArenaScope scope(arena);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(Tensor::empty({n}).data()) % 64, 0u);
  }
}

TEST(Arena, TheNextStepReusesTheBlocksOfTheLast) {
  Arena arena;
  const float *first_a, *first_b;
  {
    ArenaScope scope(arena);
    Tensor a = Tensor::empty({1000});
    Tensor b = Tensor::empty({1000});
    EXPECT_FALSE(a.on_heap());
    EXPECT_EQ(arena.bytes_in_use(), 2 * Arena::size_class(4000));
    first_a = a.data(), first_b = b.data();
  }
  // Both tensors are gone: their blocks wait in the arena.
  EXPECT_EQ(arena.bytes_in_use(), 0u);
  const size_t capacity = arena.capacity();
  EXPECT_EQ(capacity, 2 * Arena::size_class(4000));
  arena.reset();
  EXPECT_EQ(arena.capacity(), capacity);
  {
    ArenaScope scope(arena);
    Tensor a = Tensor::empty({1000});
    Tensor b = Tensor::empty({990});        // the same size class
    EXPECT_EQ(arena.capacity(), capacity);  // no new block
    // The same memory as the first step: pages already faulted in are used again.
    EXPECT_TRUE((a.data() == first_a && b.data() == first_b) ||
                (a.data() == first_b && b.data() == first_a));
    ArenaScope heap(nullptr);
    EXPECT_TRUE(Tensor::empty({4}).on_heap());
  }
}

TEST(Arena, ABlockFreedInsideAStepServesTheNextRequestOfItsSize) {
  Arena arena;
  ArenaScope scope(arena);
  Tensor kept = Tensor::empty({256});
  const float* freed;
  {
    Tensor dropped = Tensor::empty({1000});
    freed = dropped.data();
    Tensor view = dropped.slice(0, 10, 20);  // a view keeps the block
    dropped = Tensor();
    EXPECT_EQ(arena.bytes_in_use(), Arena::size_class(1024) + Arena::size_class(4000));
  }
  EXPECT_EQ(Tensor::empty({1000}).data(), freed);
  EXPECT_EQ(arena.peak_bytes(), Arena::size_class(1024) + Arena::size_class(4000));
}

TEST(Arena, ResetGivesBackWhatRecentStepsDidNotNeed) {
  Arena arena;
  auto step = [&](int tensors) {
    ArenaScope scope(arena);
    std::vector<Tensor> held;
    for (int i = 0; i < tensors; ++i) held.push_back(Tensor::empty({1000}));
  };
  step(5);
  arena.reset();
  // Smaller steps keep the blocks for a while (a longer batch may come back), and give
  // them back at the end of a window of 16 steps that needed at most 2 at once: the 16th
  // reset closes the window that held the step of 5, the 32nd the one after it.
  for (int resets = 2; resets <= 32; ++resets) {
    step(2);
    arena.reset();
    EXPECT_EQ(arena.capacity(), (resets < 32 ? 5 : 2) * Arena::size_class(4000)) << resets;
  }
}

TEST(Arena, TensorsMayOutliveTheirArena) {
  Tensor survivor;
  {
    Arena arena;
    ArenaScope scope(arena);
    survivor = Tensor::full({100}, 3.0f);
  }
  EXPECT_EQ(survivor[99], 3.0f);
}

TEST(Arena, SizeClassesAreAlignedAndAtMostAQuarterAboveTheRequest) {
  for (size_t bytes : {1ul, 63ul, 64ul, 65ul, 1024ul, 1025ul, 4000ul, 3932160ul, 61440000ul}) {
    const size_t size = Arena::size_class(bytes);
    EXPECT_EQ(size % 64, 0u) << bytes;
    EXPECT_GE(size, bytes);
    EXPECT_LE(size, std::max<size_t>(64, bytes + bytes / 4 + 64)) << bytes;
  }
  EXPECT_EQ(Arena::size_class(1000), Arena::size_class(1024));
  EXPECT_EQ(Arena::size_class(5000), 5120u);  // 4096 + 1024
}

TEST(Rng, SameSeedSameStreamAndStateRestores) {
  Rng a(5), b(5);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
  auto state = a.state();
  float x = a.normal();
  b.set_state(state);
  EXPECT_EQ(b.normal(), x);
  double mean = 0;
  for (int i = 0; i < 10000; ++i) mean += a.uniform();
  EXPECT_NEAR(mean / 10000, 0.5, 0.02);
}

TEST(Threads, ParallelForCoversRangeOnce) {
  set_threads(2);
  std::vector<int> hits(1001, 0);
  for (int rep = 0; rep < 50; ++rep)
    parallel_for(1001, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[i]++;
    });
  for (int h : hits) EXPECT_EQ(h, 50);
  set_threads(1);
}

}  // namespace
}  // namespace attn

namespace attn {
namespace {

// A kernel that parallelises inside an op that already does must not wait on workers that
// are busy running the outer loop.
TEST(Threads, NestedParallelForRunsSeriallyInsteadOfDeadlocking) {
  set_threads(2);
  std::vector<int> hits(64, 0);
  for (int rep = 0; rep < 200; ++rep)
    parallel_for(8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        parallel_for(8, [&](int64_t bb, int64_t ee) {
          for (int64_t j = bb; j < ee; ++j) hits[i * 8 + j]++;
        });
    });
  for (int h : hits) EXPECT_EQ(h, 200);
  set_threads(1);
}

}  // namespace
}  // namespace attn
