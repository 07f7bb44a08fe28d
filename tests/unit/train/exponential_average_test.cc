#include "libattn/train/exponential_average.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace attn {
namespace {

NamedParameters two_parameters() {
  return {{"w", Var::parameter(Tensor::from({2, 2}, {1, 2, 3, 4}))},
          {"b", Var::parameter(Tensor::from({3}, {0, -1, 5}))}};
}

// The average follows a' = a + max(factor, 9 / (t + 10)) * (p - a), computed here in double
// from the values the parameters had at each step.
TEST(ExponentialAverage, FollowsTheParametersWithMariansWarmStart) {
  NamedParameters params = two_parameters();
  const double factor = 0.05;
  ExponentialAverage average(params, factor);
  std::vector<double> expected = {1, 2, 3, 4};
  for (int64_t step = 1; step <= 300; ++step) {
    float* w = params[0].second.mutable_value().data();
    for (int i = 0; i < 4; ++i) w[i] = static_cast<float>(i + 1) * (1.0f + 0.01f * step);
    average.update(step);
    const double weight = std::max(factor, 9.0 / (step + 10.0));
    for (int i = 0; i < 4; ++i) expected[i] += weight * (w[i] - expected[i]);
  }
  average.swap();
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(params[0].second.value().data()[i], expected[i], 1e-4 * expected[i]) << i;
  // b never changed: its average is itself.
  EXPECT_FLOAT_EQ(params[1].second.value().data()[2], 5.0f);
  average.swap();  // back to the live values
  EXPECT_FLOAT_EQ(params[0].second.value().data()[3], 4.0f * 4.0f);
}

TEST(ExponentialAverage, SwapScopeRestoresAndTensorsAreNamed) {
  NamedParameters params = two_parameters();
  ExponentialAverage average(params, 1.0);
  params[0].second.mutable_value().data()[0] = 10;
  {
    AverageSwap in(&average);
    EXPECT_EQ(params[0].second.value().data()[0], 1.0f);  // the average is still the start
  }
  EXPECT_EQ(params[0].second.value().data()[0], 10.0f);
  const auto tensors = average.tensors();
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].name, "ema.w");
  EXPECT_EQ(tensors[1].name, "ema.b");
  EXPECT_EQ(tensors[1].shape, (std::vector<int64_t>{3}));
}

}  // namespace
}  // namespace attn
