#include "libattn/nn/gru.h"

#include <cmath>

#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

double sigmoid64(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// torch.nn.GRUCell's equations in float64, row by row: the independent reference.
std::vector<double> gru_reference(const GruCell& cell, const Tensor& x, const Tensor& h) {
  const int64_t batch = x.dim(0), in = x.dim(1), hidden = h.dim(1);
  const Tensor& wi = cell.weight_ih.value();
  const Tensor& wh = cell.weight_hh.value();
  const Tensor& bi = cell.bias_ih.value();
  const Tensor& bh = cell.bias_hh.value();
  std::vector<double> out(batch * hidden);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < hidden; ++j) {
      double gi[3], gh[3];
      for (int g = 0; g < 3; ++g) {
        const int64_t row = g * hidden + j;
        gi[g] = bi[row];
        gh[g] = bh[row];
        for (int64_t k = 0; k < in; ++k) gi[g] += double(wi[row * in + k]) * x[b * in + k];
        for (int64_t k = 0; k < hidden; ++k)
          gh[g] += double(wh[row * hidden + k]) * h[b * hidden + k];
      }
      const double r = sigmoid64(gi[0] + gh[0]), z = sigmoid64(gi[1] + gh[1]);
      const double n = std::tanh(gi[2] + r * gh[2]);
      out[b * hidden + j] = (1 - z) * n + z * h[b * hidden + j];
    }
  return out;
}

TEST(GruCell, ForwardMatchesFloat64Reference) {
  Rng rng(11);
  GruCell cell(5, 4, rng);
  Tensor x = random_tensor({3, 5}, rng), h = random_tensor({3, 4}, rng);
  Tensor got = cell.forward(Var(x), Var(h)).value();
  ASSERT_EQ(got.shape(), (Shape{3, 4}));
  std::vector<double> expect = gru_reference(cell, x, h);
  for (int64_t i = 0; i < got.numel(); ++i) EXPECT_NEAR(got[i], expect[i], 1e-5) << i;
}

TEST(GruCell, ParametersUseTorchNamesAndShapes) {
  Rng rng(1);
  GruCell cell(5, 4, rng);
  NamedParameters params;
  cell.collect_parameters("encoder.rnn", "_l0_reverse", params);
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "encoder.rnn.weight_ih_l0_reverse");
  EXPECT_EQ(params[0].second.shape(), (Shape{12, 5}));
  EXPECT_EQ(params[1].first, "encoder.rnn.weight_hh_l0_reverse");
  EXPECT_EQ(params[1].second.shape(), (Shape{12, 4}));
  EXPECT_EQ(params[3].first, "encoder.rnn.bias_hh_l0_reverse");
  // U(-1/sqrt(H), 1/sqrt(H)) as PyTorch initialises.
  for (auto& [name, var] : params)
    for (float w : var.value().to_vector()) EXPECT_LE(std::abs(w), 0.5f) << name;
}

TEST(GruCell, GradientsOverThreeSteps) {
  Rng rng(12);
  GradCheck check;
  // Inputs: x [3 steps, B, in], h0, then the four parameters.
  check.run("gru-3-steps",
            [](const std::vector<Var>& in) {
              GruCell cell;
              cell.weight_ih = in[2], cell.weight_hh = in[3], cell.bias_ih = in[4],
              cell.bias_hh = in[5];
              Var h = in[1];
              for (int64_t t = 0; t < 3; ++t) {
                Var x = Var(in[0].value().select(0, t).contiguous(), false);
                h = cell.forward(x, h);
              }
              return h;
            },
            {random_tensor({3, 2, 3}, rng), random_tensor({2, 4}, rng), random_tensor({12, 3}, rng),
             random_tensor({12, 4}, rng), random_tensor({12}, rng), random_tensor({12}, rng)},
            {false, true, true, true, true, true});
}

TEST(GruCell, GradientsReachTheInputsOfEveryStep) {
  Rng rng(13);
  GruCell cell(3, 4, rng);
  GradCheck check;
  check.run("gru-inputs",
            [&](const std::vector<Var>& in) {
              Var h = in[3];
              for (int t = 0; t < 3; ++t) h = cell.forward(in[t], h);
              return h;
            },
            {random_tensor({2, 3}, rng), random_tensor({2, 3}, rng), random_tensor({2, 3}, rng),
             random_tensor({2, 4}, rng)});
}

}  // namespace
}  // namespace attn
