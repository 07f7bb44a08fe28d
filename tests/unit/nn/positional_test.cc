#include "libattn/nn/positional.h"

#include <gtest/gtest.h>

#include <cmath>

namespace attn {
namespace {

TEST(Positional, MatchesPaperFormulaInFloat64) {
  const int64_t length = 7, dim = 10;
  Tensor pe = sinusoidal_positions(length, dim, 3);
  for (int64_t p = 0; p < length; ++p)
    for (int64_t i = 0; i < dim; ++i) {
      double angle = (p + 3) / std::pow(10000.0, 2.0 * (i / 2) / dim);
      double expect = i % 2 == 0 ? std::sin(angle) : std::cos(angle);
      EXPECT_NEAR(pe[p * dim + i], expect, 1e-6) << p << "," << i;
    }
}

TEST(Positional, OffsetRowsEqualSliceOfLongerTable) {
  Tensor full = sinusoidal_positions(12, 8);
  Tensor tail = sinusoidal_positions(4, 8, 8);
  for (int i = 0; i < 4 * 8; ++i) EXPECT_EQ(tail[i], full[8 * 8 + i]);
}

}  // namespace
}  // namespace attn

namespace attn {
namespace {

// tensor2tensor's and Marian's layout, from its formula: H = D/2 timescales from 1 to 1e4.
TEST(Positional, HalvesLayoutMatchesItsFormula) {
  const int64_t length = 5, dim = 8, half = 4, offset = 2;
  Tensor pe = sinusoidal_positions_halves(length, dim, offset);
  for (int64_t p = 0; p < length; ++p)
    for (int64_t i = 0; i < half; ++i) {
      const double angle = (p + offset) * std::pow(10000.0, -double(i) / (half - 1));
      EXPECT_NEAR(pe[p * dim + i], std::sin(angle), 1e-5) << p << "," << i;
      EXPECT_NEAR(pe[p * dim + half + i], std::cos(angle), 1e-5) << p << "," << i;
    }
  // Position 0: all sines 0, all cosines 1; the slowest timescale is exactly 1/10000.
  Tensor first = sinusoidal_positions_halves(1, dim);
  for (int64_t i = 0; i < half; ++i) {
    EXPECT_EQ(first[i], 0.0f);
    EXPECT_EQ(first[half + i], 1.0f);
  }
  EXPECT_NEAR(pe[half - 1], std::sin(offset / 10000.0), 1e-7);  // row 0 is position 2
}

}  // namespace
}  // namespace attn
