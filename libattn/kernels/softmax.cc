#include "libattn/kernels/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "libattn/core/threads.h"

namespace attn {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Rows per parallel chunk so that each chunk has enough work to pay for waking a worker.
int64_t min_rows_per_chunk(int64_t cols) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1));
}

void log_softmax_row(const float* x, float* y, int64_t cols) {
  float max_value = kNegInf;
  for (int64_t j = 0; j < cols; ++j) max_value = std::max(max_value, x[j]);
  if (max_value == kNegInf) {  // every entry -inf: log-probabilities stay -inf
    std::fill(y, y + cols, kNegInf);
    return;
  }
  float total = 0.0f;
  for (int64_t j = 0; j < cols; ++j) total += std::exp(x[j] - max_value);
  const float log_norm = max_value + std::log(total);
  for (int64_t j = 0; j < cols; ++j) y[j] = x[j] - log_norm;
}

void log_softmax_backward_row(const float* y, const float* dy, float* dx, int64_t cols) {
  float dy_total = 0.0f;
  for (int64_t j = 0; j < cols; ++j) dy_total += dy[j];
  for (int64_t j = 0; j < cols; ++j) dx[j] += dy[j] - std::exp(y[j]) * dy_total;
}

}  // namespace

void softmax_row(const float* x, const float* mask, float* y, int64_t cols) {
  float max_value = kNegInf;
  if (mask) {
    for (int64_t j = 0; j < cols; ++j) {
      y[j] = x[j] + mask[j];
      max_value = std::max(max_value, y[j]);
    }
  } else {
    for (int64_t j = 0; j < cols; ++j) {
      y[j] = x[j];
      max_value = std::max(max_value, y[j]);
    }
  }
  if (max_value == kNegInf) {  // fully masked: zeros, not exp(-inf - -inf) = NaN
    std::fill(y, y + cols, 0.0f);
    return;
  }
  float total = 0.0f;
  for (int64_t j = 0; j < cols; ++j) {
    y[j] = std::exp(y[j] - max_value);
    total += y[j];
  }
  const float inv_total = 1.0f / total;
  for (int64_t j = 0; j < cols; ++j) y[j] *= inv_total;
}

void softmax_backward_row(const float* y, const float* dy, float* dx, int64_t cols) {
  float dot = 0.0f;
  for (int64_t j = 0; j < cols; ++j) dot += dy[j] * y[j];
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
