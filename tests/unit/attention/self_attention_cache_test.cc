#include "libattn/attention/self_attention_cache.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "libattn/autograd/attention.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/rng.h"
#include "libattn/core/threads.h"

namespace attn {
namespace {

Tensor random_rows(Rng& rng, int64_t rows, int64_t width) {
  std::vector<float> values(rows * width);
  for (auto& x : values) x = rng.uniform() * 2.0f - 1.0f;
  return Tensor::from({rows, 1, width}, values);
}

// Each step's attention equals scaled_dot_product_attention over the keys and values each row
// would hold had the caches been copied at every reorder, bit for bit, through reorders that
// duplicate rows, drop rows and swap them, on one and two threads.
TEST(SelfAttentionCache, AttendsAsCopiedCachesWouldBitForBit) {
  NoGrad no_grad;
  const int64_t heads = 2, width = 8, head_width = width / heads;
  const float scale = 0.5f;
  for (int threads : {1, 2}) {
    set_threads(threads);
    Rng rng(3);
    SelfAttentionCache cache;
    // history[r][p]: row r's key (and value) at position p, as a copying cache would hold.
    std::vector<std::vector<std::vector<float>>> keys(3), values(3);
    const std::vector<std::vector<int32_t>> reorders = {{0, 0, 1}, {2, 1, 0}, {1, 2}, {0, 0, 1, 1}, {}};
    for (const auto& rows : reorders) {
      const auto count = static_cast<int64_t>(keys.size());
      const Tensor k = random_rows(rng, count, width), v = random_rows(rng, count, width);
      const Tensor q = random_rows(rng, count, width);
      cache.append(k, v);
      for (int64_t r = 0; r < count; ++r) {
        keys[r].emplace_back(k.data() + r * width, k.data() + (r + 1) * width);
        values[r].emplace_back(v.data() + r * width, v.data() + (r + 1) * width);
      }
      const int64_t length = cache.length();
      // The reference: [rows, H, length, W] laid out from the copied histories.
      Tensor q4 = Tensor::empty({count, heads, 1, head_width});
      Tensor k4 = Tensor::empty({count, heads, length, head_width});
      Tensor v4 = Tensor::empty({count, heads, length, head_width});
      std::memcpy(q4.data(), q.data(), count * width * sizeof(float));
      for (int64_t r = 0; r < count; ++r)
        for (int64_t h = 0; h < heads; ++h)
          for (int64_t p = 0; p < length; ++p)
            for (int64_t j = 0; j < head_width; ++j) {
              const int64_t at = ((r * heads + h) * length + p) * head_width + j;
              k4.data()[at] = keys[r][p][h * head_width + j];
              v4.data()[at] = values[r][p][h * head_width + j];
            }
      const Tensor want =
          scaled_dot_product_attention(Var(q4), Var(k4), Var(v4), Tensor(), scale).value();
      const Tensor got = cache.attend(q, heads, scale);
      ASSERT_EQ(got.numel(), want.numel());
      ASSERT_EQ(std::memcmp(got.data(), want.data(), got.numel() * sizeof(float)), 0)
          << "threads " << threads << " step " << length;
      if (rows.empty()) break;
      cache.reorder(rows);
      std::vector<std::vector<std::vector<float>>> new_keys, new_values;
      for (int32_t r : rows) {
        new_keys.push_back(keys[r]);
        new_values.push_back(values[r]);
      }
      keys = std::move(new_keys);
      values = std::move(new_values);
    }
  }
  set_threads(1);
}

TEST(SelfAttentionCache, RefusesRowsItDoesNotHave) {
  SelfAttentionCache cache;
  Rng rng(4);
  cache.append(random_rows(rng, 2, 4), random_rows(rng, 2, 4));
  EXPECT_ANY_THROW(cache.reorder({0, 2}));
  EXPECT_ANY_THROW(cache.append(random_rows(rng, 3, 4), random_rows(rng, 3, 4)));
}

}  // namespace
}  // namespace attn
