#include "libattn/nn/stacked_rnn.h"

#include "libattn/autograd/shape_ops.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

// Row 0 of a padded batch against the same sentence run alone, unpadded. Not bit-equal:
// OpenBLAS rounds a 2-row GEMM differently from a 1-row one (~1e-8), so 1e-6 is the bound.
void expect_padding_invisible(CellType type) {
  Rng rng(31);
  StackedRnn rnn(type, 3, 4, 2, true, rng);
  const int64_t length = 5, real = 3;
  Tensor x = random_tensor({2, length, 3}, rng);
  StackedRnnOutput padded = rnn.forward(Var(x), {real, length}, 0.0f, {});
  Tensor alone_x = x.slice(0, 0, 1).slice(1, 0, real).contiguous();
  StackedRnnOutput alone = rnn.forward(Var(alone_x), {real}, 0.0f, {});
  const Tensor& p = padded.outputs.value();
  const Tensor& a = alone.outputs.value();
  ASSERT_EQ(p.shape(), (Shape{2, length, 8}));
  for (int64_t t = 0; t < real; ++t)
    for (int64_t k = 0; k < 8; ++k)
      EXPECT_NEAR(p[t * 8 + k], a[t * 8 + k], 1e-6)
          << cell_type_name(type) << " t=" << t << " k=" << k;
  ASSERT_EQ(padded.final_states.size(), 4u);  // 2 layers x 2 directions
  for (size_t s = 0; s < 4; ++s)
    for (int64_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(padded.final_states[s].h.value()[k], alone.final_states[s].h.value()[k], 1e-6)
          << s;
      if (type == CellType::kLstm) {
        EXPECT_NEAR(padded.final_states[s].c.value()[k], alone.final_states[s].c.value()[k], 1e-6)
            << s;
      }
    }
}

TEST(StackedRnn, PaddingDoesNotChangeRealPositionsGru) { expect_padding_invisible(CellType::kGru); }
TEST(StackedRnn, PaddingDoesNotChangeRealPositionsLstm) {
  expect_padding_invisible(CellType::kLstm);
}

TEST(StackedRnn, ReverseDirectionStartsAtTheLastRealToken) {
  Rng rng(32);
  StackedRnn rnn(CellType::kGru, 3, 4, 1, true, rng);
  Tensor x = random_tensor({1, 4, 3}, rng);
  StackedRnnOutput out = rnn.forward(Var(x), {2}, 0.0f, {});
  // The reverse cell's first real step sees token 1 from a zero state.
  Var first = rnn.reverse_cells[0].gru.forward(Var(x.select(1, 1).contiguous()),
                                               Var(Tensor::zeros({1, 4})));
  for (int64_t k = 0; k < 4; ++k) EXPECT_EQ(out.outputs.value()[1 * 8 + 4 + k], first.value()[k]);
}

TEST(StackedRnn, ParameterNamesFollowTorch) {
  Rng rng(33);
  StackedRnn rnn(CellType::kLstm, 3, 4, 2, true, rng);
  NamedParameters params;
  rnn.collect_parameters("encoder.rnn", params);
  ASSERT_EQ(params.size(), 16u);
  EXPECT_EQ(params[0].first, "encoder.rnn.weight_ih_l0");
  EXPECT_EQ(params[4].first, "encoder.rnn.weight_ih_l0_reverse");
  EXPECT_EQ(params[8].first, "encoder.rnn.weight_ih_l1");
  EXPECT_EQ(params[8].second.shape(), (Shape{16, 8}));  // layer 1 reads both directions
  EXPECT_EQ(rnn.output_size(), 8);
}

TEST(StackedRnn, GradientsThroughPaddedBidirectionalStack) {
  for (CellType type : {CellType::kGru, CellType::kLstm}) {
    Rng rng(34);
    StackedRnn rnn(type, 2, 3, 2, true, rng);
    GradCheck check;
    check.run(std::string("stacked-") + cell_type_name(type),
              [&](const std::vector<Var>& in) {
                StackedRnnOutput out = rnn.forward(in[0], {3, 2}, 0.0f, {});
                // Outputs and the final states (the bridge's input) both carry gradient.
                return concat(
                    {reshape(out.outputs, {2, -1}), out.final_states[2].h, out.final_states[3].h},
                    -1);
              },
              {random_tensor({2, 3, 2}, rng)});
  }
}

TEST(StackedRnn, DropoutOnlyInTraining) {
  Rng rng(35);
  StackedRnn rnn(CellType::kGru, 3, 4, 2, false, rng);
  Tensor x = random_tensor({2, 3, 3}, rng);
  Tensor a = rnn.forward(Var(x), {3, 3}, 0.5f, {}).outputs.value().clone_heap();
  Tensor b = rnn.forward(Var(x), {3, 3}, 0.0f, {}).outputs.value().clone_heap();
  EXPECT_EQ(a.to_vector(), b.to_vector());
  Rng dropout_rng(1);
  Tensor c = rnn.forward(Var(x), {3, 3}, 0.5f, {true, &dropout_rng}).outputs.value();
  EXPECT_NE(a.to_vector(), c.to_vector());
}

}  // namespace
}  // namespace attn
