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
