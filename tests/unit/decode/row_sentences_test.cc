#include "libattn/decode/row_sentences.h"

#include <gtest/gtest.h>

namespace attn {
namespace {

TEST(RowSentences, OnlyALayoutChangeAsksForAGather) {
  RowSentences rows = RowSentences::identity(2);
  EXPECT_EQ(rows.sentence, (std::vector<int32_t>{0, 1}));
  // First expansion: beam 3 for each sentence.
  EXPECT_TRUE(rows.reorder({0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(rows.sentence, (std::vector<int32_t>{0, 0, 0, 1, 1, 1}));
  // Beams trade places within their sentences: same layout, nothing to copy.
  EXPECT_FALSE(rows.reorder({2, 2, 0, 5, 3, 3}));
  // A beam of sentence 1 takes a place of sentence 0: row 2 now holds sentence 1.
  EXPECT_TRUE(rows.reorder({0, 1, 3, 3, 4, 5}));
  EXPECT_EQ(rows.sentence, (std::vector<int32_t>{0, 0, 1, 1, 1, 1}));
  // Sentence 0 finishes and drops out.
  EXPECT_TRUE(rows.reorder({2, 3, 4}));
  EXPECT_EQ(rows.sentence, (std::vector<int32_t>{1, 1, 1}));
  EXPECT_FALSE(rows.reorder({1, 0, 2}));
}

}  // namespace
}  // namespace attn
