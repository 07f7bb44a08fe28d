#include "libattn/kernels/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "libattn/core/threads.h"
#include "libattn/kernels/fast_exp.h"
#include "libattn/kernels/row_reduce.h"

namespace attn {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Rows per parallel chunk so that each chunk has enough work to pay for waking a worker.
int64_t min_rows_per_chunk(int64_t cols) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1));
}

// exps: [cols] of scratch for exp(x - max), which the sum then adds; y itself unless y is x
// (in place, the fused output layer below), so both paths sum the same stored floats.
void log_softmax_row(const float* x, float* y, float* exps, int64_t cols) {
  const float max_value = row_max(x, cols);
  if (max_value == kNegInf) {  // every entry -inf: log-probabilities stay -inf
    std::fill(y, y + cols, kNegInf);
    return;
  }
  for (int64_t j = 0; j < cols; ++j) exps[j] = exp_nonpositive(x[j] - max_value);
  const float log_norm = max_value + std::log(row_sum(exps, cols));
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
        for (int64_t r = begin; r < end; ++r)
          log_softmax_row(x + r * cols, y + r * cols, y + r * cols, cols);
      },
      min_rows_per_chunk(cols));
}

void bias_log_softmax_rows_inplace(float* x, const float* bias, int64_t rows, int64_t cols) {
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        std::vector<float> exps(static_cast<size_t>(cols));
        for (int64_t r = begin; r < end; ++r) {
          float* row = x + r * cols;
          if (bias) {
            for (int64_t j = 0; j < cols; ++j) row[j] += bias[j];
          }
          log_softmax_row(row, row, exps.data(), cols);
        }
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
