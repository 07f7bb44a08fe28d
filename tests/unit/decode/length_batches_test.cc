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

TEST(LengthBatches, DecodingBatchesKeepInputOrderWithoutMaxiBatch) {
  const auto sources = of_lengths({2, 5, 3});
  const auto one_read = decoding_batches(sources, 16, 1);
  ASSERT_EQ(one_read.size(), 1u);
  EXPECT_EQ(one_read[0], (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(decoding_batches(sources, 2, 4), length_sorted_batches(sources, 2));
  EXPECT_TRUE(decoding_batches({}, 16, 1).empty());
}

// Each sentence's answer (here its length, as the decoder saw it in its batch) comes back at
// its own input position, whatever batch decoded it.
TEST(LengthBatches, DecodeInBatchesAnswersInInputOrder) {
  const auto sources = of_lengths({2, 5, 3, 5, 1});
  std::vector<size_t> batch_sizes;
  const std::vector<size_t> lengths = decode_in_batches<size_t>(
      sources, 2, 3, [&](const std::vector<std::vector<int32_t>>& batch) {
        batch_sizes.push_back(batch.size());
        std::vector<size_t> out;
        for (const auto& source : batch) out.push_back(source.size());
        return out;
      });
  EXPECT_EQ(lengths, (std::vector<size_t>{2, 5, 3, 5, 1}));
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{2, 2, 1}));
}

}  // namespace
}  // namespace attn
