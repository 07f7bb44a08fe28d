#include "libattn/decode/row_state.h"

#include <gtest/gtest.h>

#include "libattn/core/error.h"

namespace attn {
namespace {

// A per-row field that records how often it was gathered.
struct Rows {
  std::vector<int32_t> values;
  int gathers = 0;

  void reorder(const std::vector<int32_t>& rows) {
    reorder_rows(rows, values);
    ++gathers;
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

TEST(RowState, ModelsWithoutOneHalfReorderTheOther) {
  RowState<NoRows, Rows> state({}, {{5, 6}}, 2);
  state.reorder({1, 1, 0});
  EXPECT_EQ(state.recurrence.values, (std::vector<int32_t>{6, 6, 5}));
}

TEST(RowState, SharedKeysStayOneCopy) {
  Var memory(Tensor::from({3, 1}, {1.0f, 2.0f, 3.0f}));
  Var keys = memory;  // a dot-style scorer
  reorder_memory_and_keys({2, 0}, memory, keys);
  EXPECT_TRUE(keys.same(memory));
  EXPECT_EQ(memory.value()[0], 3.0f);
  EXPECT_EQ(memory.value()[1], 1.0f);
  Var other(Tensor::from({3, 1}, {4.0f, 5.0f, 6.0f}));
  reorder_memory_and_keys({1}, memory, other);
  EXPECT_FALSE(other.same(memory));
  EXPECT_EQ(other.value()[0], 5.0f);
}

// Every kind of part a model's reorder lists: values, layers of them, per-row numbers, a
// GRU's state without c, and unused fields, which stay undefined.
TEST(RowState, ReorderRowsFollowsEveryPart) {
  Var value(Tensor::from({2, 1}, {1.0f, 2.0f}));
  std::vector<RecurrentState> layers = {{Var(Tensor::from({2, 1}, {3.0f, 4.0f})), Var()}};
  std::vector<int32_t> lengths = {7, 9};
  Tensor mask = Tensor::from({2, 2}, {0.0f, 1.0f, 2.0f, 3.0f});
  Var unset_var;
  Tensor unset_tensor;
  reorder_rows({1, 1, 0}, value, layers, lengths, mask, unset_var, unset_tensor);
  EXPECT_EQ(value.value().shape(), (Shape{3, 1}));
  EXPECT_EQ(value.value()[2], 1.0f);
  EXPECT_EQ(layers[0].h.value()[0], 4.0f);
  EXPECT_FALSE(layers[0].c.defined());
  EXPECT_EQ(lengths, (std::vector<int32_t>{9, 9, 7}));
  EXPECT_EQ(mask[2], 2.0f);
  EXPECT_EQ(mask[5], 1.0f);
  EXPECT_FALSE(unset_var.defined());
  EXPECT_FALSE(unset_tensor.defined());
}

TEST(RowState, TokenColumnIsOneTokenARowAndRefusesAnotherCount) {
  const Tensor tokens = token_column({7, 8, 9}, 3, "Model");
  EXPECT_EQ(tokens.shape(), (Shape{3, 1}));
  EXPECT_EQ(tokens.ints()[2], 9);
  EXPECT_THROW(token_column({7, 8}, 3, "Model"), Error);
}

}  // namespace
}  // namespace attn
