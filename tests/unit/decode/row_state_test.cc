#include "libattn/decode/row_state.h"

#include <gtest/gtest.h>

#include "libattn/core/error.h"

namespace attn {
namespace {

// A per-row field that records how often it was gathered.
struct Rows {
  std::vector<int32_t> values;
  int gathers = 0;

  Rows gather_rows(const std::vector<int32_t>& rows) const {
    Rows out{{}, gathers + 1};
    for (int32_t r : rows) out.values.push_back(values[r]);
    return out;
  }
};

TEST(RowState, RecurrenceFollowsEveryReorderEncodingOnlyLayoutChanges) {
  RowState<Rows, Rows> state({{10, 20}}, {{0, 1}}, 2);
  state.reorder({0, 0, 1, 1});  // first expansion to beam 2: both follow
  EXPECT_EQ(state.encoding.values, (std::vector<int32_t>{10, 10, 20, 20}));
  EXPECT_EQ(state.recurrence.values, (std::vector<int32_t>{0, 0, 1, 1}));
  EXPECT_EQ(state.encoding.gathers, 1);
  state.reorder({1, 1, 3, 2});  // beams trade places within their sentences
  EXPECT_EQ(state.encoding.gathers, 1);
  EXPECT_EQ(state.encoding.values, (std::vector<int32_t>{10, 10, 20, 20}));
  EXPECT_EQ(state.recurrence.values, (std::vector<int32_t>{0, 0, 1, 1}));
  EXPECT_EQ(state.recurrence.gathers, 2);
  state.reorder({2, 3});  // sentence 0 finishes
  EXPECT_EQ(state.encoding.gathers, 2);
  EXPECT_EQ(state.encoding.values, (std::vector<int32_t>{20, 20}));
}

TEST(RowState, SharedKeysStayOneCopy) {
  Var memory(Tensor::from({3, 1}, {1.0f, 2.0f, 3.0f}));
  Var keys = memory;  // a dot-style scorer
  gather_memory_and_keys(memory, keys, {2, 0});
  EXPECT_TRUE(keys.same(memory));
  EXPECT_EQ(memory.value()[0], 3.0f);
  EXPECT_EQ(memory.value()[1], 1.0f);
  Var other(Tensor::from({3, 1}, {4.0f, 5.0f, 6.0f}));
  gather_memory_and_keys(memory, other, {1});
  EXPECT_FALSE(other.same(memory));
  EXPECT_EQ(other.value()[0], 5.0f);
  Var unset;
  EXPECT_FALSE(gather_rows(unset, {0}).defined());
}

TEST(RowState, TokenColumnIsOneTokenARowAndRefusesAnotherCount) {
  const Tensor tokens = token_column({7, 8, 9}, 3, "Model");
  EXPECT_EQ(tokens.shape(), (Shape{3, 1}));
  EXPECT_EQ(tokens.ints()[2], 9);
  EXPECT_THROW(token_column({7, 8}, 3, "Model"), Error);
}

}  // namespace
}  // namespace attn
