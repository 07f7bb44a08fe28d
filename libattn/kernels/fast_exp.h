// exp(x) for x <= 0, vectorisable: the softmax and cross-entropy row loops.
//
//   for (int64_t j = 0; j < cols; ++j) y[j] = exp_nonpositive(x[j] - max_value);
#pragma once

#include <cstdint>

namespace attn {

// exp for softmax's arguments (x - max <= 0), written so the row loops vectorise: std::exp
// is a libm call per element and dominated softmax (~3.5 ns per element here).
// Cephes' expf: exp(x) = 2^n exp(r), n = round(x / ln 2), |r| <= ln 2 / 2, exp(r) by a
// degree-6 polynomial; relative error ~2e-7. Below -87 (where expf is denormal or 0, and
// negligible next to the row's largest term, 1) it returns exactly 0, so masked (-inf)
// positions stay exactly 0. Ternaries rather than std::min/max/floor, and bit_cast rather
// than memcpy: GCC 12 vectorises this form and none of those.
inline float exp_nonpositive(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;  // ln 2 = hi + lo
  constexpr float kLowest = -87.0f;
  constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float low_clamped = x < kLowest ? kLowest : x;
  const float xc = low_clamped > 0.0f ? 0.0f : low_clamped;
  const float n = (xc * kLog2e + kRoundMagic) - kRoundMagic;
  const float r = xc - n * kLn2Hi - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n, n in [-126, 0]
  return x < kLowest ? 0.0f : e * __builtin_bit_cast(float, bits);
}

}  // namespace attn
