#include "libattn/kernels/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "libattn/core/threads.h"
#include "libattn/kernels/row_reduce.h"

namespace attn {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

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

// Rows per parallel chunk so that each chunk has enough work to pay for waking a worker.
int64_t min_rows_per_chunk(int64_t cols) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1));
}

void log_softmax_row(const float* x, float* y, int64_t cols) {
  const float max_value = row_max(x, cols);
  if (max_value == kNegInf) {  // every entry -inf: log-probabilities stay -inf
    std::fill(y, y + cols, kNegInf);
    return;
  }
  // y holds exp(x - max) for a moment, then the log-probabilities.
  for (int64_t j = 0; j < cols; ++j) y[j] = exp_nonpositive(x[j] - max_value);
  const float log_norm = max_value + std::log(row_sum(y, cols));
  for (int64_t j = 0; j < cols; ++j) y[j] = x[j] - log_norm;
}

void log_softmax_backward_row(const float* y, const float* dy, float* dx, int64_t cols) {
  const float dy_total = row_sum(dy, cols);
  for (int64_t j = 0; j < cols; ++j) dx[j] += dy[j] - exp_nonpositive(y[j]) * dy_total;
}

}  // namespace

void softmax_row(const float* x, const float* mask, float* y, int64_t cols) {
  if (mask) {
    for (int64_t j = 0; j < cols; ++j) y[j] = x[j] + mask[j];
  } else if (y != x) {
    std::copy(x, x + cols, y);
  }
  const float max_value = row_max(y, cols);
  if (max_value == kNegInf) {  // fully masked: zeros, not exp(-inf - -inf) = NaN
    std::fill(y, y + cols, 0.0f);
    return;
  }
  for (int64_t j = 0; j < cols; ++j) y[j] = exp_nonpositive(y[j] - max_value);
  const float inv_total = 1.0f / row_sum(y, cols);
  for (int64_t j = 0; j < cols; ++j) y[j] *= inv_total;
}

void softmax_backward_row(const float* y, const float* dy, float* dx, int64_t cols) {
  const float dot = row_dot(dy, y, cols);
  for (int64_t j = 0; j < cols; ++j) dx[j] += y[j] * (dy[j] - dot);
}

void softmax_rows(const float* x, const float* mask, float* y, int64_t rows, int64_t cols) {
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          softmax_row(x + r * cols, mask ? mask + r * cols : nullptr, y + r * cols, cols);
      },
      min_rows_per_chunk(cols));
}

void softmax_backward_rows(const float* y, const float* dy, float* dx, int64_t rows,
                           int64_t cols) {
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          softmax_backward_row(y + r * cols, dy + r * cols, dx + r * cols, cols);
      },
      min_rows_per_chunk(cols));
}

void log_softmax_rows(const float* x, float* y, int64_t rows, int64_t cols) {
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) log_softmax_row(x + r * cols, y + r * cols, cols);
      },
      min_rows_per_chunk(cols));
}

void log_softmax_backward_rows(const float* y, const float* dy, float* dx, int64_t rows,
                               int64_t cols) {
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          log_softmax_backward_row(y + r * cols, dy + r * cols, dx + r * cols, cols);
      },
      min_rows_per_chunk(cols));
}

}  // namespace attn
