// Ops part A: one table gradient-checks every elementwise, softmax, layer-norm, reduction,
// shape and dropout op; forward values are checked against hand or float64 computations.
#include <cmath>
#include <limits>

#include "libattn/autograd/dropout.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/layer_norm.h"
#include "libattn/autograd/reduce.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/autograd/softmax.h"
#include "libattn/core/error.h"
#include "tests/unit/autograd/gradcheck.h"

namespace attn {
namespace {

using testing::GradCheck;
using testing::random_tensor;

constexpr float kInf = std::numeric_limits<float>::infinity();

struct OpCase {
  std::string name;
  GradCheck::Fn fn;
  std::vector<Shape> shapes;
  float lo = -1.0f, hi = 1.0f;  // inputs drawn uniformly from [lo, hi)
  float min_abs = 0.0f;         // then pushed this far from 0 (kinks, poles)
};

std::vector<OpCase> op_cases() {
  // Additive masks with -inf entries; row 2 of the [3, 4] mask and row (1, 0) of the full
  // mask are masked everywhere, so those softmax rows must be zeros with zero gradient.
  const Tensor mask_full = Tensor::from(
      {2, 3, 4}, {0, -kInf, 0, 0, 0, 0, 0, 0, -kInf, 0, -kInf, 0,
                  -kInf, -kInf, -kInf, -kInf, 0, -kInf, -kInf, 0, 0, 0, 0, -kInf});
  const Tensor mask_rows = Tensor::from({3, 4}, {0, -kInf, 0, 0, 0, 0, 0, -kInf,
                                                 -kInf, -kInf, -kInf, -kInf});
  const Tensor mask_batch = Tensor::from({2, 1, 4}, {0, 0, -kInf, 0, -kInf, 0, 0, 0});
  const Tensor mask_col = Tensor::from({2, 3, 1}, {0, -kInf, 0, 0, 0, -kInf});
  using V = const std::vector<Var>&;
  return {
      {"add same shape", [](V in) { return add(in[0], in[1]); }, {{2, 3}, {2, 3}}},
      {"add bias [2,3,4]+[4]", [](V in) { return add(in[0], in[1]); }, {{2, 3, 4}, {4}}},
      {"add [1,4]+[2,3,4]", [](V in) { return add(in[0], in[1]); }, {{1, 4}, {2, 3, 4}}},
      {"add [2,1,4]+[3,1]", [](V in) { return add(in[0], in[1]); }, {{2, 1, 4}, {3, 1}}},
      {"add scalar operand", [](V in) { return add(in[0], in[1]); }, {{2, 3}, {1}}},
      {"sub [2,3]-[2,1]", [](V in) { return sub(in[0], in[1]); }, {{2, 3}, {2, 1}}},
      {"sub [1]-[3,2]", [](V in) { return sub(in[0], in[1]); }, {{1}, {3, 2}}},
      {"mul same shape", [](V in) { return mul(in[0], in[1]); }, {{3, 4}, {3, 4}}},
      {"mul [2,1,4]*[3,1]", [](V in) { return mul(in[0], in[1]); }, {{2, 1, 4}, {3, 1}}},
      {"mul bias", [](V in) { return mul(in[0], in[1]); }, {{2, 3, 4}, {3, 4}}},
      {"mul x*x", [](V in) { return mul(in[0], in[0]); }, {{5}}},
      {"div same shape", [](V in) { return div(in[0], in[1]); }, {{2, 3}, {2, 3}}, 0.5f, 2.0f},
      {"div [2,3,4]/[3,1]", [](V in) { return div(in[0], in[1]); }, {{2, 3, 4}, {3, 1}}, 0.5f,
       2.0f},
      {"div [4]/[2,3,4]", [](V in) { return div(in[0], in[1]); }, {{4}, {2, 3, 4}}, 0.5f, 2.0f},
      {"scale", [](V in) { return scale(in[0], -2.5f); }, {{2, 3}}},
      {"add_scalar", [](V in) { return add_scalar(in[0], 3.0f); }, {{2, 3}}},
      {"tanh", [](V in) { return tanh(in[0]); }, {{2, 5}}, -2.0f, 2.0f},
      {"sigmoid", [](V in) { return sigmoid(in[0]); }, {{2, 5}}, -3.0f, 3.0f},
      {"relu", [](V in) { return relu(in[0]); }, {{2, 5}}, -1.0f, 1.0f, 0.05f},
      {"gelu", [](V in) { return gelu(in[0]); }, {{2, 5}}, -3.0f, 3.0f},
      {"exp", [](V in) { return exp(in[0]); }, {{2, 5}}, -1.0f, 1.0f},
      {"log", [](V in) { return log(in[0]); }, {{2, 5}}, 0.5f, 3.0f},
      {"softmax", [](V in) { return softmax(in[0]); }, {{3, 5}}, -2.0f, 2.0f},
      {"log_softmax", [](V in) { return log_softmax(in[0]); }, {{2, 3, 4}}, -2.0f, 2.0f},
      {"masked_softmax full mask",
       [mask_full](V in) { return masked_softmax(in[0], mask_full); }, {{2, 3, 4}}},
      {"masked_softmax [3,4] mask",
       [mask_rows](V in) { return masked_softmax(in[0], mask_rows); }, {{2, 3, 4}}},
      {"masked_softmax [2,1,4] mask",
       [mask_batch](V in) { return masked_softmax(in[0], mask_batch); }, {{2, 3, 4}}},
      {"masked_softmax [2,3,1] mask",
       [mask_col](V in) { return masked_softmax(in[0], mask_col); }, {{2, 3, 4}}},
      {"layer_norm", [](V in) { return layer_norm(in[0], in[1], in[2]); },
       {{2, 3, 5}, {5}, {5}}},
      {"sum all", [](V in) { return sum(in[0]); }, {{2, 3}}},
      {"mean all", [](V in) { return mean(in[0]); }, {{2, 3, 2}}},
      {"sum axis 1", [](V in) { return sum(in[0], 1); }, {{2, 3, 4}}},
      {"sum axis 0 keepdim", [](V in) { return sum(in[0], 0, true); }, {{2, 3, 4}}},
      {"mean axis -1 keepdim", [](V in) { return mean(in[0], -1, true); }, {{2, 3, 4}}},
      {"mean axis 0 of rank 1", [](V in) { return mean(in[0], 0); }, {{5}}},
      {"masked_mean", [](V in) { return masked_mean(in[0], {3, 1}); }, {{2, 3, 4}}},
      {"reshape", [](V in) { return reshape(in[0], {4, -1}); }, {{2, 3, 2}}},
      {"transpose", [](V in) { return transpose(in[0], 0, -1); }, {{2, 3, 4}}},
      {"permute", [](V in) { return permute(in[0], {2, 0, 1}); }, {{2, 3, 4}}},
      {"slice", [](V in) { return slice(in[0], 1, 1, 3); }, {{2, 4, 3}}},
      {"split (middle part unused)",
       [](V in) {
         auto parts = split(in[0], -1, {1, 2, 2});
         return concat({parts[2], parts[0]}, -1);
       },
       {{2, 3, 5}}},
      {"concat axis 1", [](V in) { return concat({in[0], in[1], in[2]}, 1); },
       {{2, 1, 3}, {2, 2, 3}, {2, 3, 3}}},
      {"concat axis 0", [](V in) { return concat({in[0], in[1]}, 0); }, {{1, 4}, {2, 4}}},
      {"stack axis 0", [](V in) { return stack({in[0], in[1], in[2]}, 0); },
       {{2, 3}, {2, 3}, {2, 3}}},
      {"stack axis -1", [](V in) { return stack({in[0], in[1]}, -1); }, {{2, 3}, {2, 3}}},
      {"stack axis 1", [](V in) { return stack({in[0], in[1]}, 1); }, {{2, 3}, {2, 3}}},
      {"dropout fixed mask",
       [](V in) {
         Rng rng(5);  // reseeded each call: the same mask for every finite difference
         return dropout(in[0], 0.3f, rng, true);
       },
       {{4, 5}}},
  };
}

TEST(OpsA, GradientTable) {
  Rng rng(11);
  GradCheck check;
  for (const OpCase& c : op_cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> inputs;
    for (const Shape& shape : c.shapes) {
      Tensor t = random_tensor(shape, rng, c.lo, c.hi);
      for (int64_t i = 0; i < t.numel(); ++i)
        t[i] = std::copysign(std::abs(t[i]) + c.min_abs, t[i]);
      inputs.push_back(t);
    }
    check.run(c.name, c.fn, inputs);
  }
}

std::vector<double> softmax64(const std::vector<double>& x) {
  double max_value = -INFINITY, total = 0;
  for (double v : x) max_value = std::max(max_value, v);
  std::vector<double> y;
  for (double v : x) total += std::exp(v - max_value);
  for (double v : x) y.push_back(std::exp(v - max_value) / total);
  return y;
}

TEST(OpsA, SoftmaxForwardMatchesFloat64) {
  const std::vector<double> row0{1, 2, 3, 4}, row1{-50, 0, 50, 0.5};
  Tensor p = softmax(Var(Tensor::from({2, 4}, {1, 2, 3, 4, -50, 0, 50, 0.5}))).value();
  auto e0 = softmax64(row0), e1 = softmax64(row1);
  for (int j = 0; j < 4; ++j) {
    EXPECT_NEAR(p[j], e0[j], 1e-6);
    EXPECT_NEAR(p[4 + j], e1[j], 1e-6);
  }
  // Hand value: softmax([0, ln 3]) = [1/4, 3/4].
  Tensor q = softmax(Var(Tensor::from({2}, {0.0f, std::log(3.0f)}))).value();
  EXPECT_NEAR(q[0], 0.25, 1e-6);
  EXPECT_NEAR(q[1], 0.75, 1e-6);
}

TEST(OpsA, LogSoftmaxKeepsPrecisionForLargeLogits) {
  // log_softmax([1000, 0, -1000]) = [0, -1000, -2000] to float precision; a naive
  // log(softmax) would give -inf for the last two.
  Tensor y = log_softmax(Var(Tensor::from({3}, {1000, 0, -1000}))).value();
  EXPECT_NEAR(y[0], 0.0, 1e-6);
  EXPECT_NEAR(y[1], -1000.0, 1e-3);
  EXPECT_NEAR(y[2], -2000.0, 1e-3);
  const std::vector<double> x{0.5, -1.25, 2.0, 0.0};
  Tensor z = log_softmax(Var(Tensor::from({4}, {0.5f, -1.25f, 2.0f, 0.0f}))).value();
  auto e = softmax64(x);
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(z[j], std::log(e[j]), 1e-6);
}

TEST(OpsA, MaskedSoftmaxZerosMaskedAndFullyMaskedRows) {
  Tensor mask = Tensor::from({2, 3}, {0, -kInf, 0, -kInf, -kInf, -kInf});
  Tensor p = masked_softmax(Var(Tensor::from({2, 3}, {1, 5, 1, 2, 3, 4})), mask).value();
  EXPECT_NEAR(p[0], 0.5, 1e-6);
  EXPECT_EQ(p[1], 0.0f);
  EXPECT_NEAR(p[2], 0.5, 1e-6);
  for (int j = 3; j < 6; ++j) EXPECT_EQ(p[j], 0.0f) << "fully masked row must be zeros, not NaN";
  // A [3] mask broadcast over a [2, 3] batch gives the same as the full mask.
  Tensor row_mask = Tensor::from({3}, {0, 0, -kInf});
  Tensor b = masked_softmax(Var(Tensor::from({2, 3}, {0, 0, 9, 1, 1, -9})), row_mask).value();
  EXPECT_EQ(b.to_vector(), (std::vector<float>{0.5f, 0.5f, 0.0f, 0.5f, 0.5f, 0.0f}));
}

TEST(OpsA, LayerNormForwardMatchesHand) {
  // x = [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
  Var x(Tensor::from({1, 4}, {1, 2, 3, 4}));
  Var gamma(Tensor::from({4}, {1, 1, 2, 2}));
  Var beta(Tensor::from({4}, {0, 0, 0, 1}));
  Tensor y = layer_norm(x, gamma, beta).value();
  const double rstd = 1.0 / std::sqrt(1.25 + 1e-5);
  const double expect[4] = {-1.5 * rstd, -0.5 * rstd, 2 * 0.5 * rstd, 2 * 1.5 * rstd + 1};
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(y[j], expect[j], 1e-5);
  // A constant row normalises to beta (var = 0; eps keeps it finite).
  Tensor c = layer_norm(Var(Tensor::full({4}, 7.0f)), gamma, beta).value();
  EXPECT_EQ(c.to_vector(), (std::vector<float>{0, 0, 0, 1}));
}

TEST(OpsA, GeluMatchesTanhApproximation) {
  // Reference values of 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as in BERT/GPT-2.
  Tensor y = gelu(Var(Tensor::from({4}, {-1.0f, 0.0f, 1.0f, 2.0f}))).value();
  EXPECT_NEAR(y[0], -0.158808, 1e-5);
  EXPECT_NEAR(y[1], 0.0, 1e-7);
  EXPECT_NEAR(y[2], 0.841192, 1e-5);
  EXPECT_NEAR(y[3], 1.954598, 1e-5);
}

TEST(OpsA, BroadcastForwardMatchesIndexLoops) {
  Rng rng(2);
  Tensor a = random_tensor({2, 1, 4}, rng), b = random_tensor({3, 1}, rng);
  Tensor y = sub(Var(a), Var(b)).value();
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) EXPECT_EQ(y[(i * 3 + j) * 4 + k], a[i * 4 + k] - b[j]);
  EXPECT_THROW(add(Var(Tensor::zeros({2, 3})), Var(Tensor::zeros({2}))), Error);
}

TEST(OpsA, ReductionsAndJoinsForwardValues) {
  Var x(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(sum(x).value().to_vector(), (std::vector<float>{21}));
  EXPECT_EQ(mean(x).value().to_vector(), (std::vector<float>{3.5f}));
  EXPECT_EQ(sum(x, 0).value().to_vector(), (std::vector<float>{5, 7, 9}));
  Tensor m = mean(x, 1, true).value();
  EXPECT_EQ(m.shape(), (Shape{2, 1}));
  EXPECT_EQ(m.to_vector(), (std::vector<float>{2, 5}));
  Var y(Tensor::from({2, 1}, {7, 8}));
  EXPECT_EQ(concat({x, y}, 1).value().to_vector(), (std::vector<float>{1, 2, 3, 7, 4, 5, 6, 8}));
  Tensor s = stack({x, x}, 1).value();
  EXPECT_EQ(s.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(s.to_vector(), (std::vector<float>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));
  EXPECT_EQ(transpose(x, 0, 1).value().to_vector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_THROW(split(x, 1, {1, 1}), Error);
}

// Row 0 averages its 2 real positions, row 1 has none: zeros, not NaN.
TEST(OpsA, MaskedMeanCountsOnlyRealPositions) {
  Var x(Tensor::from({2, 3, 1}, {1, 3, 100, 5, 6, 7}));
  EXPECT_EQ(masked_mean(x, {2, 0}).value().to_vector(), (std::vector<float>{2, 0}));
}

TEST(Dropout, KeepsAboutOneMinusPAndScalesSurvivors) {
  const float p = 0.3f;
  const int64_t n = 20000;
  Rng rng(99);
  Var x(Tensor::full({n}, 1.0f));
  Tensor y = dropout(x, p, rng, true).value();
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (y[i] == 0.0f) continue;
    ++kept;
    EXPECT_FLOAT_EQ(y[i], 1.0f / (1.0f - p));
  }
  // Binomial(n, 0.7): standard deviation ~65; 0.015 n = 300 is over 4.5 sigma.
  EXPECT_NEAR(static_cast<double>(kept) / n, 1.0 - p, 0.015);
  EXPECT_TRUE(dropout(x, 0.0f, rng, true).same(x));
  EXPECT_TRUE(dropout(x, p, rng, false).same(x));
  EXPECT_THROW(dropout(x, 1.0f, rng, true), Error);
}

}  // namespace
}  // namespace attn
