#include "libattn/nn/parameters.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace attn {
namespace {

// Under SkipParameterInit the initialisers draw nothing (the generator is where it was);
// outside it they draw again, so loading a model does not change what training gets.
TEST(SkipParameterInit, InitialisersDrawNothingInsideTheScopeOnly) {
  Rng rng(9), untouched(9);
  {
    SkipParameterInit skip;
    const Var w = xavier_uniform({4, 3}, 3, 4, rng);
    const Var e = normal_parameter({5, 2}, 0.1f, rng);
    EXPECT_EQ(w.shape(), (Shape{4, 3}));
    EXPECT_EQ(e.shape(), (Shape{5, 2}));
  }
  EXPECT_EQ(rng.state(), untouched.state());
  const Var w = xavier_uniform({4, 3}, 3, 4, rng);
  EXPECT_NE(rng.state(), untouched.state());
  float largest = 0;
  for (int64_t i = 0; i < w.value().numel(); ++i)
    largest = std::max(largest, std::abs(w.value().data()[i]));
  EXPECT_GT(largest, 0.0f);
  EXPECT_LE(largest, std::sqrt(6.0f / 7.0f));
}

TEST(SkipParameterInit, ScopesNest) {
  Rng rng(3), untouched(3);
  {
    SkipParameterInit outer;
    { SkipParameterInit inner; }
    normal_parameter({8}, 1.0f, rng);  // still inside `outer`
  }
  EXPECT_EQ(rng.state(), untouched.state());
}

}  // namespace
}  // namespace attn
