#include "libattn/decode/source_batch.h"

#include <gtest/gtest.h>

namespace attn {
namespace {

std::vector<int32_t> ids(const Tensor& t) { return {t.ints(), t.ints() + t.numel()}; }

TEST(SourceBatch, PadsRightToTheLongestSource) {
  const Tensor src = pad_sources({{5, 9, 7}, {4}, {}});
  EXPECT_EQ(src.dtype(), DType::kI32);
  EXPECT_EQ(src.shape(), (Shape{3, 3}));
  EXPECT_EQ(ids(src), (std::vector<int32_t>{5, 9, 7, 4, 0, 0, 0, 0, 0}));
  EXPECT_EQ(source_lengths(src), (std::vector<int32_t>{3, 1, 0}));
}

TEST(SourceBatch, KeepsAtLeastTheMinimumLength) {
  EXPECT_EQ(pad_sources({{}}).shape(), (Shape{1, 1}));
  const Tensor src = pad_sources({{3, 4}}, 4);  // a caption grid of one 4-token cell
  EXPECT_EQ(ids(src), (std::vector<int32_t>{3, 4, 0, 0}));
  EXPECT_EQ(source_lengths(src), (std::vector<int32_t>{2}));
}

TEST(SourceBatch, LengthEndsAtTheLastRealToken) {
  // An inner <pad> id does not end the row; only the trailing run of them does.
  const Tensor src = Tensor::from_ints({2, 4}, {6, 0, 8, 0, 0, 0, 0, 0});
  EXPECT_EQ(source_lengths(src), (std::vector<int32_t>{3, 0}));
}

}  // namespace
}  // namespace attn
