#include "libattn/kernels/fast_exp.h"

#include <gtest/gtest.h>

#include <cmath>

namespace attn {
namespace {

// Every x in [-20, 20] on a grid of 1e-4, plus the ends of float.
TEST(FastExp, TanhMatchesLibmToFloatPrecision) {
  double worst_abs = 0, worst_rel = 0;
  for (int i = -200000; i <= 200000; ++i) {
    const float x = static_cast<float>(i) * 1e-4f;
    const double want = std::tanh(static_cast<double>(x));
    const double got = tanh_fast(x);
    worst_abs = std::max(worst_abs, std::fabs(got - want));
    if (want != 0) worst_rel = std::max(worst_rel, std::fabs(got - want) / std::fabs(want));
  }
  EXPECT_LT(worst_abs, 4e-7);
  EXPECT_LT(worst_rel, 1e-6);  // the small-|x| branch keeps tiny values accurate too
  EXPECT_EQ(tanh_fast(0.0f), 0.0f);
  EXPECT_EQ(tanh_fast(1e30f), 1.0f);
  EXPECT_EQ(tanh_fast(-1e30f), -1.0f);
  EXPECT_EQ(tanh_fast(-INFINITY), -1.0f);
  EXPECT_NEAR(tanh_fast(1e-20f), 1e-20f, 1e-26f);
}

TEST(FastExp, SigmoidMatchesLibmToFloatPrecision) {
  double worst_rel = 0;
  for (int i = -200000; i <= 200000; ++i) {
    const float x = static_cast<float>(i) * 1e-4f;
    const double want = 1.0 / (1.0 + std::exp(-static_cast<double>(x)));
    worst_rel = std::max(worst_rel, std::fabs(sigmoid_fast(x) - want) / want);
  }
  EXPECT_LT(worst_rel, 1e-6);
  EXPECT_EQ(sigmoid_fast(0.0f), 0.5f);
  EXPECT_EQ(sigmoid_fast(1e30f), 1.0f);
  EXPECT_EQ(sigmoid_fast(-1e30f), 0.0f);  // no NaN from inf / inf
  EXPECT_FALSE(std::isnan(sigmoid_fast(-INFINITY)));
}

// A diverging run feeds NaN in: it must come out as NaN (exp(NaN) is NaN) and, under UBSan,
// without converting NaN to an integer or shifting a negative value.
TEST(FastExp, NanStaysNanWithoutUndefinedBehaviour) {
  EXPECT_TRUE(std::isnan(exp_nonpositive(NAN)));
  EXPECT_TRUE(std::isnan(exp_nonpositive(-NAN)));
  EXPECT_TRUE(std::isnan(tanh_fast(NAN)));
  EXPECT_TRUE(std::isnan(sigmoid_fast(NAN)));
  EXPECT_EQ(exp_nonpositive(-INFINITY), 0.0f);
  EXPECT_EQ(exp_nonpositive(0.0f), 1.0f);
}

}  // namespace
}  // namespace attn
