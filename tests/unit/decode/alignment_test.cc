#include "libattn/decode/alignment.h"

#include <gtest/gtest.h>

namespace attn {
namespace {

TEST(Alignment, HardTakesArgmaxSourcePerTargetToken) {
  const std::vector<std::vector<float>> attention = {
      {0.8f, 0.1f, 0.1f}, {0.1f, 0.2f, 0.7f}, {0.3f, 0.6f, 0.1f}, {0.5f, 0.5f, 0.0f}};
  EXPECT_EQ(hard_alignment(attention), "0-0 2-1 1-2 0-3");  // the tie goes to position 0
  EXPECT_EQ(hard_alignment_pairs(attention)[1], (std::pair<int, int>{2, 1}));
  EXPECT_EQ(hard_alignment({}), "");
}

TEST(Alignment, SoftIsMarianLayout) {
  EXPECT_EQ(soft_alignment({{0.5f, 0.25f, 0.25f}, {1.0f, 0.0f, 0.0f}}), "0.5,0.25,0.25 1,0,0");
  EXPECT_EQ(soft_alignment({}), "");
}

}  // namespace
}  // namespace attn
