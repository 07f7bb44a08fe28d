#include "libattn/decode/length_batches.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace attn {
namespace {

std::vector<std::vector<int32_t>> of_lengths(const std::vector<size_t>& lengths) {
  std::vector<std::vector<int32_t>> sources;
  for (size_t n : lengths) sources.emplace_back(n, 7);
  return sources;
}

TEST(LengthBatches, LongestFirstTiesInInputOrderEveryIndexOnce) {
  const auto sources = of_lengths({2, 5, 3, 5, 1, 3, 4});
  const auto batches = length_sorted_batches(sources, 3);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<size_t>{1, 3, 6}));
  EXPECT_EQ(batches[1], (std::vector<size_t>{2, 5, 0}));
  EXPECT_EQ(batches[2], (std::vector<size_t>{4}));
}

TEST(LengthBatches, EmptyInputAndBatchesLargerThanTheInput) {
  EXPECT_TRUE(length_sorted_batches({}, 4).empty());
  const auto batches = length_sorted_batches(of_lengths({1, 3}), 10);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], (std::vector<size_t>{1, 0}));
}

}  // namespace
}  // namespace attn
