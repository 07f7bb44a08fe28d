// Symmetric per-row int8 quantization: row r of X is stored as q[r, :] (int8 in [-127, 127])
// and one fp32 scale[r], with X[r, j] ~= scale[r] * q[r, j].
//
//   quantize_rows(w, rows, cols, cols, q, cols, scales);    // weights: once, at load
//   dequantize_rows(q, cols, scales, rows, cols, w2, cols);
//
// scale[r] = max_j |X[r, j]| / 127, so the largest entry of a row maps to +-127 and the
// rounding error of an entry is at most scale[r] / 2. -128 is never produced: with |q| <=
// 127 the AVX2 kernel's pairwise int16 sums cannot saturate (kernels/gemm_int8.h). An
// all-zero row gets scale 0 and q = 0. Activations use the same function at run time, one
// scale per row (per token), since their range changes from token to token.
#pragma once

#include <cstdint>

namespace attn {

inline constexpr int kInt8Max = 127;

// q and scales are outputs; ldx and ldq are row strides in elements. Entries of q beyond
// cols are not touched.
void quantize_rows(const float* x, int64_t rows, int64_t cols, int64_t ldx, int8_t* q,
                   int64_t ldq, float* scales);

void dequantize_rows(const int8_t* q, int64_t ldq, const float* scales, int64_t rows,
                     int64_t cols, float* x, int64_t ldx);

}  // namespace attn
