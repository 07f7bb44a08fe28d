// exp(x) for x <= 0, vectorisable: the softmax and cross-entropy row loops, and tanh and
// the sigmoid built on it (the RNN gates and additive attention).
//
//   for (int64_t j = 0; j < cols; ++j) y[j] = exp_nonpositive(x[j] - max_value);
//   for (int64_t i = 0; i < n; ++i) y[i] = tanh_fast(x[i]);
#pragma once

#include <cstdint>

namespace attn {

// exp for softmax's arguments (x - max <= 0), written so the row loops vectorise: std::exp
// is a libm call per element and dominated softmax (~3.5 ns per element here).
// Cephes' expf: exp(x) = 2^n exp(r), n = round(x / ln 2), |r| <= ln 2 / 2, exp(r) by a
// degree-6 polynomial; relative error ~2e-7. Below -87 (where expf is denormal or 0, and
// negligible next to the row's largest term, 1) it returns exactly 0, so masked (-inf)
// positions stay exactly 0. Ternaries rather than std::min/max/floor, and bit_cast rather
// than memcpy: GCC 12 vectorises this form and none of those, given -fno-trapping-math
// (CMakeLists.txt: otherwise it branches around the clamps and vectorises nothing).
inline float exp_nonpositive(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;  // ln 2 = hi + lo
  constexpr float kLowest = -87.0f;
  constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float low_clamped = x < kLowest ? kLowest : x;
  const float xc = low_clamped > 0.0f ? 0.0f : low_clamped;
  const float shifted = xc * kLog2e + kRoundMagic;  // n in the low bits of its mantissa
  const float n = shifted - kRoundMagic;
  const float r = xc - n * kLn2Hi - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.0f;
  // 2^n, n in [-126, 0], read from the mantissa bits in unsigned arithmetic: converting n
  // to an integer would be undefined for NaN input (a diverging run), and so would shifting
  // the negative result. NaN still comes out as NaN, through e.
  const uint32_t bits = (__builtin_bit_cast(uint32_t, shifted) -
                         __builtin_bit_cast(uint32_t, kRoundMagic) + 127u) << 23;
  return x < kLowest ? 0.0f : e * __builtin_bit_cast(float, bits);
}

// tanh through exp(-2|x|), so it vectorises: libm's tanhf is a call per element and took
// two thirds of decoding an additive-attention GRU. tanh |x| = (1 - e) / (1 + e), e =
// exp(-2|x|); below |x| = 1/16, where 1 - e would cancel, the Taylor series x - x³/3 +
// 2x⁵/15 (next term 17x⁷/315 < 3e-10). Absolute error ~2e-7, as exp_nonpositive's.
inline float tanh_fast(float x) {
  const float a = x < 0.0f ? -x : x;
  const float e = exp_nonpositive(-2.0f * a);
  const float large = (1.0f - e) / (1.0f + e);
  const float a2 = a * a;
  const float small = a + a * a2 * (-1.0f / 3.0f + a2 * (2.0f / 15.0f));
  const float t = a < 0.0625f ? small : large;
  return x < 0.0f ? -t : t;
}

// 1 / (1 + exp(-x)) through exp(-|x|) <= 1, so neither side overflows: 1 / (1 + e) for
// x >= 0, e / (1 + e) below. Relative error ~2e-7.
inline float sigmoid_fast(float x) {
  const float e = exp_nonpositive(x < 0.0f ? x : -x);
  const float r = 1.0f / (1.0f + e);
  return x < 0.0f ? e * r : r;
}

}  // namespace attn
