#include "libattn/nn/lstm.h"

#include <cmath>

#include "libattn/autograd/shape_ops.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

double sigmoid64(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// torch.nn.LSTMCell's equations in float64 (gate order i, f, g, o): the independent reference.
void lstm_reference(const LstmCell& cell, const Tensor& x, const Tensor& h, const Tensor& c,
                    std::vector<double>& h_out, std::vector<double>& c_out) {
  const int64_t batch = x.dim(0), in = x.dim(1), hidden = h.dim(1);
  const Tensor& wi = cell.weight_ih.value();
  const Tensor& wh = cell.weight_hh.value();
  const Tensor& bi = cell.bias_ih.value();
  const Tensor& bh = cell.bias_hh.value();
  h_out.assign(batch * hidden, 0);
  c_out.assign(batch * hidden, 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < hidden; ++j) {
      double gate[4];
      for (int g = 0; g < 4; ++g) {
        const int64_t row = g * hidden + j;
        gate[g] = double(bi[row]) + bh[row];
        for (int64_t k = 0; k < in; ++k) gate[g] += double(wi[row * in + k]) * x[b * in + k];
        for (int64_t k = 0; k < hidden; ++k)
          gate[g] += double(wh[row * hidden + k]) * h[b * hidden + k];
      }
      const double cell_value =
          sigmoid64(gate[1]) * c[b * hidden + j] + sigmoid64(gate[0]) * std::tanh(gate[2]);
      c_out[b * hidden + j] = cell_value;
      h_out[b * hidden + j] = sigmoid64(gate[3]) * std::tanh(cell_value);
    }
}

TEST(LstmCell, ForwardMatchesFloat64Reference) {
  Rng rng(21);
  LstmCell cell(5, 4, rng);
  Tensor x = random_tensor({3, 5}, rng), h = random_tensor({3, 4}, rng),
         c = random_tensor({3, 4}, rng);
  LstmState next = cell.forward(Var(x), {Var(h), Var(c)});
  std::vector<double> h_expect, c_expect;
  lstm_reference(cell, x, h, c, h_expect, c_expect);
  ASSERT_EQ(next.h.shape(), (Shape{3, 4}));
  for (int64_t i = 0; i < next.h.value().numel(); ++i) {
    EXPECT_NEAR(next.h.value()[i], h_expect[i], 1e-5) << i;
    EXPECT_NEAR(next.c.value()[i], c_expect[i], 1e-5) << i;
  }
}

TEST(LstmCell, ParametersUseTorchNamesAndGateRows) {
  Rng rng(2);
  LstmCell cell(5, 4, rng);
  NamedParameters params;
  cell.collect_parameters("decoder.rnn", "_l1", params);
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "decoder.rnn.weight_ih_l1");
  EXPECT_EQ(params[0].second.shape(), (Shape{16, 5}));
  EXPECT_EQ(params[2].first, "decoder.rnn.bias_ih_l1");
  EXPECT_EQ(params[2].second.shape(), (Shape{16}));
}

TEST(LstmCell, GradientsOverThreeSteps) {
  Rng rng(22);
  GradCheck check;
  // Inputs: x [3 steps, B, in], h0, c0, then the four parameters. Both h and c of the last
  // step enter the checked output, so the gradient through the memory cell is checked too.
  check.run("lstm-3-steps",
            [](const std::vector<Var>& in) {
              LstmCell cell;
              cell.weight_ih = in[3], cell.weight_hh = in[4], cell.bias_ih = in[5],
              cell.bias_hh = in[6];
              LstmState state{in[1], in[2]};
              for (int64_t t = 0; t < 3; ++t) {
                Var x = Var(in[0].value().select(0, t).contiguous(), false);
                state = cell.forward(x, state);
              }
              return concat({state.h, state.c}, -1);
            },
            {random_tensor({3, 2, 3}, rng), random_tensor({2, 4}, rng), random_tensor({2, 4}, rng),
             random_tensor({16, 3}, rng), random_tensor({16, 4}, rng), random_tensor({16}, rng),
             random_tensor({16}, rng)},
            {false, true, true, true, true, true, true});
}

}  // namespace
}  // namespace attn
