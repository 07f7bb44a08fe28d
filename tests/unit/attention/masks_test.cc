#include "libattn/attention/masks.h"

#include <gtest/gtest.h>

#include <cmath>

namespace attn {
namespace {

TEST(Masks, PaddingMaskHidesPadKeysOnly) {
  Tensor ids = Tensor::from_ints({2, 3}, {5, 6, 0, 7, 0, 0});
  Tensor m = padding_mask(ids, 0);
  ASSERT_EQ(m.shape(), (Shape{2, 1, 1, 3}));
  std::vector<bool> hidden = {false, false, true, false, true, true};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(std::isinf(m[i]) && m[i] < 0, hidden[i]) << i;
}

TEST(Masks, CausalMaskSeesOnlyThePast) {
  Tensor m = causal_mask(4);
  for (int q = 0; q < 4; ++q)
    for (int k = 0; k < 4; ++k) EXPECT_EQ(std::isinf(m[q * 4 + k]), k > q) << q << "," << k;
}

TEST(Masks, CausalPaddingCombinesBoth) {
  Tensor ids = Tensor::from_ints({1, 3}, {2, 9, 0});
  Tensor m = causal_padding_mask(ids, 0);
  ASSERT_EQ(m.shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(m[0 * 3 + 0], 0.0f);
  EXPECT_TRUE(std::isinf(m[0 * 3 + 1]));
  EXPECT_EQ(m[2 * 3 + 1], 0.0f);
  EXPECT_TRUE(std::isinf(m[2 * 3 + 2]));  // padding, although causally visible
}

}  // namespace
}  // namespace attn
