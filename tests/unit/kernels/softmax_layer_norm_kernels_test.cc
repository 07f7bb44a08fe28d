// The row kernels on shapes large enough to run in parallel: results equal a float64
// reference and are bit-for-bit the same with one thread or two.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "libattn/core/rng.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/layer_norm.h"
#include "libattn/kernels/softmax.h"

namespace attn {
namespace {

constexpr int64_t kRows = 512, kCols = 96;

std::vector<float> random_values(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = 4.0f * rng.uniform() - 2.0f;
  return v;
}

// Runs fn once with one thread and once with two, restoring the setting.
template <typename Fn>
void with_one_and_two_threads(Fn fn) {
  const int saved = threads();
  set_threads(1);
  fn(0);
  set_threads(2);
  fn(1);
  set_threads(saved);
}

TEST(SoftmaxKernel, MatchesFloat64AndIsThreadCountIndependent) {
  const auto x = random_values(kRows * kCols, 1), dy = random_values(kRows * kCols, 2);
  std::vector<float> mask(kRows * kCols, 0.0f);
  for (int64_t r = 0; r < kRows; ++r) mask[r * kCols + r % kCols] = -INFINITY;
  std::vector<float> y[2], dx[2];
  with_one_and_two_threads([&](int run) {
    y[run].assign(kRows * kCols, 0.0f);
    dx[run].assign(kRows * kCols, 0.5f);  // backward accumulates onto what is there
    softmax_rows(x.data(), mask.data(), y[run].data(), kRows, kCols);
    softmax_backward_rows(y[run].data(), dy.data(), dx[run].data(), kRows, kCols);
  });
  EXPECT_EQ(y[0], y[1]);
  EXPECT_EQ(dx[0], dx[1]);
  for (int64_t r = 0; r < kRows; r += 37) {
    double max_value = -INFINITY, total = 0, dot = 0;
    std::vector<double> p(kCols);
    for (int64_t j = 0; j < kCols; ++j)
      max_value = std::max(max_value, double(x[r * kCols + j]) + mask[r * kCols + j]);
    for (int64_t j = 0; j < kCols; ++j)
      total += p[j] = std::exp(double(x[r * kCols + j]) + mask[r * kCols + j] - max_value);
    for (int64_t j = 0; j < kCols; ++j) dot += (p[j] /= total) * dy[r * kCols + j];
    for (int64_t j = 0; j < kCols; ++j) {
      EXPECT_NEAR(y[0][r * kCols + j], p[j], 1e-6);
      EXPECT_NEAR(dx[0][r * kCols + j], 0.5 + p[j] * (dy[r * kCols + j] - dot), 1e-5);
    }
  }
}

TEST(SoftmaxKernel, SmallProbabilitiesKeepRelativePrecision) {
  // softmax([0, x]) = [1, e^x] / (1 + e^x): the kernel's exp must stay accurate in relative
  // terms down to where float runs out (e^-87 ~ 1.6e-38), and give exactly 0 past it.
  for (float x = -86.9f; x <= 0.0f; x += 0.37f) {
    const float in[2] = {0.0f, x};
    float out[2];
    softmax_row(in, nullptr, out, 2);
    const double expect = std::exp(double(x)) / (1.0 + std::exp(double(x)));
    EXPECT_NEAR(out[1], expect, 1e-6 * expect) << x;
  }
  const float far[3] = {0.0f, -200.0f, -INFINITY};
  float out[3];
  softmax_row(far, nullptr, out, 3);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[2], 0.0f);
}

// Decoding's fused output layer must give exactly what the training graph's ops give: the
// bias added, then log_softmax_rows. Odd widths reach the vector loops' tails; -inf in the
// bias is the <pad>/<s> mask.
TEST(BiasLogSoftmaxKernel, InPlaceEqualsAddThenLogSoftmaxBitForBit) {
  for (const int64_t cols : {1, 7, 16, 33, 1000}) {
    for (const bool with_bias : {false, true}) {
      const int64_t rows = 9;
      auto x = random_values(rows * cols, 3 + cols);
      std::vector<float> bias = random_values(cols, 5);
      bias[0] = -INFINITY;
      if (cols > 2) bias[2] = -INFINITY;
      std::vector<float> added(x);
      if (with_bias)
        for (int64_t i = 0; i < rows * cols; ++i) added[i] = x[i] + bias[i % cols];
      std::vector<float> expected(rows * cols);
      log_softmax_rows(added.data(), expected.data(), rows, cols);
      bias_log_softmax_rows_inplace(x.data(), with_bias ? bias.data() : nullptr, rows, cols);
      for (int64_t i = 0; i < rows * cols; ++i) {
        if (std::isinf(expected[i])) {
          EXPECT_TRUE(std::isinf(x[i]) && x[i] < 0) << "cols " << cols << " at " << i;
        } else {
          ASSERT_EQ(x[i], expected[i]) << "cols " << cols << " bias " << with_bias << " at " << i;
        }
      }
    }
  }
}

TEST(LayerNormKernel, MatchesFloat64AndIsThreadCountIndependent) {
  const auto x = random_values(kRows * kCols, 3), dy = random_values(kRows * kCols, 4);
  const auto gamma = random_values(kCols, 5), beta = random_values(kCols, 6);
  const float eps = 1e-5f;
  std::vector<float> y[2], mean[2], rstd[2], dx[2], dgamma[2], dbeta[2];
  with_one_and_two_threads([&](int run) {
    y[run].assign(kRows * kCols, 0.0f);
    mean[run].assign(kRows, 0.0f);
    rstd[run].assign(kRows, 0.0f);
    dx[run].assign(kRows * kCols, 0.0f);
    dgamma[run].assign(kCols, 0.0f);
    dbeta[run].assign(kCols, 0.0f);
    layer_norm_rows(x.data(), gamma.data(), beta.data(), eps, y[run].data(), mean[run].data(),
                    rstd[run].data(), kRows, kCols);
    layer_norm_backward_rows(dy.data(), x.data(), gamma.data(), mean[run].data(), rstd[run].data(),
                             dx[run].data(), true, dgamma[run].data(), dbeta[run].data(), kRows,
                             kCols);
  });
  EXPECT_EQ(y[0], y[1]);
  EXPECT_EQ(dx[0], dx[1]);
  EXPECT_EQ(dgamma[0], dgamma[1]);
  EXPECT_EQ(dbeta[0], dbeta[1]);
  // float64 reference: forward, dx by the closed form, dgamma / dbeta by summing rows.
  std::vector<double> ref_dgamma(kCols, 0.0), ref_dbeta(kCols, 0.0);
  for (int64_t r = 0; r < kRows; ++r) {
    const float* xr = x.data() + r * kCols;
    const float* dyr = dy.data() + r * kCols;
    double mu = 0, var = 0;
    for (int64_t j = 0; j < kCols; ++j) mu += xr[j];
    mu /= kCols;
    for (int64_t j = 0; j < kCols; ++j) var += (xr[j] - mu) * (xr[j] - mu);
    const double inv_std = 1.0 / std::sqrt(var / kCols + eps);
    double g_mean = 0, gx_mean = 0;
    for (int64_t j = 0; j < kCols; ++j) {
      const double xhat = (xr[j] - mu) * inv_std;
      g_mean += dyr[j] * gamma[j] / kCols;
      gx_mean += dyr[j] * gamma[j] * xhat / kCols;
      ref_dgamma[j] += dyr[j] * xhat;
      ref_dbeta[j] += dyr[j];
    }
    for (int64_t j = 0; j < kCols; ++j) {
      const double xhat = (xr[j] - mu) * inv_std;
      EXPECT_NEAR(y[0][r * kCols + j], xhat * gamma[j] + beta[j], 1e-5);
      EXPECT_NEAR(dx[0][r * kCols + j], inv_std * (dyr[j] * gamma[j] - g_mean - xhat * gx_mean),
                  1e-4);
    }
  }
  for (int64_t j = 0; j < kCols; ++j) {
    EXPECT_NEAR(dgamma[0][j], ref_dgamma[j], 1e-3);
    EXPECT_NEAR(dbeta[0][j], ref_dbeta[j], 1e-3);
  }
}

}  // namespace
}  // namespace attn
