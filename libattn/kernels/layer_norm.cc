#include "libattn/kernels/layer_norm.h"

#include <algorithm>
#include <cmath>

#include "libattn/core/threads.h"
#include "libattn/kernels/row_reduce.h"

namespace attn {

namespace {

// Enough elements per chunk to pay for waking a worker.
constexpr int64_t kMinChunkElements = 16384;

int64_t min_chunk(int64_t other_extent) {
  return std::max<int64_t>(1, kMinChunkElements / std::max<int64_t>(other_extent, 1));
}

}  // namespace

void layer_norm_rows(const float* x, const float* gamma, const float* beta, float eps, float* y,
                     float* mean, float* rstd, int64_t rows, int64_t cols) {
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const float* xr = x + r * cols;
          float* yr = y + r * cols;
          // Two passes (mean, then squared deviations) avoid the cancellation of E[x^2]-E[x]^2.
          const float mu = row_sum(xr, cols) / static_cast<float>(cols);
          const float squares = row_squared_deviation(xr, mu, cols);
          const float inv_std = 1.0f / std::sqrt(squares / static_cast<float>(cols) + eps);
          for (int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - mu) * inv_std * gamma[j] + beta[j];
          mean[r] = mu;
          rstd[r] = inv_std;
        }
      },
      min_chunk(cols));
}

void layer_norm_backward_rows(const float* dy, const float* x, const float* gamma,
                              const float* mean, const float* rstd, float* dx, bool accumulate_dx,
                              float* dgamma, float* dbeta, int64_t rows, int64_t cols) {
  // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), with g = dy * gamma and
  // xhat = (x - mean) * rstd: the normalisation's Jacobian applied to g.
  if (dx) {
    parallel_for(
        rows,
        [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const float* xr = x + r * cols;
            const float* dyr = dy + r * cols;
            float* dxr = dx + r * cols;
            const float mu = mean[r], inv_std = rstd[r];
            const float g_total = row_dot(dyr, gamma, cols);
            const float g_xhat_total =
                row_sum_of(cols, [&](int64_t j) { return dyr[j] * gamma[j] * (xr[j] - mu); }) *
                inv_std;
            const float g_mean = g_total / static_cast<float>(cols);
            const float g_xhat_mean = g_xhat_total / static_cast<float>(cols);
            // Not accumulating: written as 0 + d, the same float as adding into a cleared row.
            for (int64_t j = 0; j < cols; ++j) {
              const float xhat = (xr[j] - mu) * inv_std;
              const float d = inv_std * (dyr[j] * gamma[j] - g_mean - xhat * g_xhat_mean);
              dxr[j] = (accumulate_dx ? dxr[j] : 0.0f) + d;
            }
          }
        },
        min_chunk(cols));
  }
  if (dgamma || dbeta) {
    // Split by columns so each column's sum over rows runs in row order on one thread.
    parallel_for(
        cols,
        [&](int64_t begin, int64_t end) {
          for (int64_t r = 0; r < rows; ++r) {
            const float* xr = x + r * cols;
            const float* dyr = dy + r * cols;
            const float mu = mean[r], inv_std = rstd[r];
            if (dgamma)
              for (int64_t j = begin; j < end; ++j) dgamma[j] += dyr[j] * (xr[j] - mu) * inv_std;
            if (dbeta)
              for (int64_t j = begin; j < end; ++j) dbeta[j] += dyr[j];
          }
        },
        min_chunk(rows));
  }
}

}  // namespace attn
