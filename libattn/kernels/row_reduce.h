// Sums, maxima and dot products over one row of floats, for the row kernels (softmax,
// layer norm).
//
//   const float total = row_sum(x, cols);
//   const float largest = row_max(x, cols);       // -inf for an empty row
//   const float dot = row_dot(x, y, cols);
//   const float s = row_sum_of(cols, [&](int64_t j) { return a[j] * b[j] * c[j]; });
//
// A plain `total += x[j]` loop does not vectorise: the compiler may not reorder float
// additions. These keep kRowLanes running partials (one 512-bit vector), combined in a fixed
// order at the end, so they vectorise and stay bit-for-bit repeatable.
#pragma once

#include <cstdint>
#include <limits>

namespace attn {

inline constexpr int64_t kRowLanes = 16;

inline float row_max(const float* x, int64_t n) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  float lanes[kRowLanes];
  for (int64_t l = 0; l < kRowLanes; ++l) lanes[l] = kNegInf;
  int64_t j = 0;
  for (; j + kRowLanes <= n; j += kRowLanes)
    for (int64_t l = 0; l < kRowLanes; ++l) lanes[l] = x[j + l] > lanes[l] ? x[j + l] : lanes[l];
  float result = kNegInf;
  for (; j < n; ++j) result = x[j] > result ? x[j] : result;
  for (int64_t l = 0; l < kRowLanes; ++l) result = lanes[l] > result ? lanes[l] : result;
  return result;
}

// sum over j of term(j), for any per-element term the caller writes as a lambda.
template <typename Term>
inline float row_sum_of(int64_t n, Term term) {
  float lanes[kRowLanes] = {};
  int64_t j = 0;
  for (; j + kRowLanes <= n; j += kRowLanes)
    for (int64_t l = 0; l < kRowLanes; ++l) lanes[l] += term(j + l);
  float result = 0.0f;
  for (; j < n; ++j) result += term(j);
  for (int64_t l = 0; l < kRowLanes; ++l) result += lanes[l];
  return result;
}

inline float row_sum(const float* x, int64_t n) {
  return row_sum_of(n, [x](int64_t j) { return x[j]; });
}

inline float row_dot(const float* x, const float* y, int64_t n) {
  return row_sum_of(n, [x, y](int64_t j) { return x[j] * y[j]; });
}

// sum((x - center)^2), the variance's numerator.
inline float row_squared_deviation(const float* x, float center, int64_t n) {
  return row_sum_of(n, [x, center](int64_t j) { return (x[j] - center) * (x[j] - center); });
}

}  // namespace attn
