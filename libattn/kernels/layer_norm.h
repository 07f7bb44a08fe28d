// Layer normalisation kernels over rows of `cols` floats (Ba et al. 2016):
//   y = (x - mean) * rstd * gamma + beta,   rstd = 1 / sqrt(var + eps)
//
//   layer_norm_rows(x, gamma, beta, eps, y, mean, rstd, B * T, D);     // saves mean, rstd
//   layer_norm_backward_rows(dy, x, gamma, mean, rstd, dx, true, dgamma, dbeta, B * T, D);
//
// x, y, dx, dy: [rows, cols]; gamma, beta, dgamma, dbeta: [cols]; mean, rstd: [rows].
// The variance is the biased one (divide by cols), as in the paper and PyTorch. Backward
// ACCUMULATES (+=), or writes dx when accumulate_dx is false (dx need not be cleared first);
// any of dx, dgamma, dbeta may be null when that gradient is not wanted.
// Rows (forward, dx) and columns (dgamma, dbeta) are split over attn::parallel_for; every
// sum runs in a fixed order whatever the split, so results are bit-for-bit repeatable.
#pragma once

#include <cstdint>

namespace attn {

void layer_norm_rows(const float* x, const float* gamma, const float* beta, float eps, float* y,
                     float* mean, float* rstd, int64_t rows, int64_t cols);

void layer_norm_backward_rows(const float* dy, const float* x, const float* gamma,
                              const float* mean, const float* rstd, float* dx, bool accumulate_dx,
                              float* dgamma, float* dbeta, int64_t rows, int64_t cols);

}  // namespace attn
