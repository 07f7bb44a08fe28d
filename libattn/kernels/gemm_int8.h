// int8 matrix products for quantized inference: C[m, n] = A W^T with A's rows and W's rows
// quantized symmetrically (kernels/quantize.h), int32 accumulation, one fp32 rescale at the
// end: C[i, j] = scale_a[i] * scale_w[j] * sum_p A_q[i, p] W_q[j, p].
//
//   Int8Matrix w = quantize_matrix(weight, out, in, in);      // once, at load
//   matmul_int8(rows, x, in, w, y, out);                      // y = x W^T, x quantized per row
//
// The kernel is picked at run time from what the CPU has (hand-written; see
// docs/ARCHITECTURE.md for the measurement against oneDNN and OpenBLAS sgemm):
//   kAvx512Vnni  vpdpbusd, 64 products a cycle-step; activations shifted to unsigned
//                (a + 128) and the shift taken back with the weight rows' sums;
//   kAvx2        vpmaddubsw + vpmaddwd with the sign trick (|a| times sign(a) * w), exact
//                because |q| <= 127 keeps each int16 pair sum <= 2 * 127 * 127 < 32767;
//   kScalar      plain loops, for CPUs without AVX2.
// The first product prints one stderr line when the CPU lacks AVX-512 VNNI.
//
// Rows of W (and of the quantized A) are stored padded with zeros to a multiple of 64
// bytes (`stride`), so the kernels never handle a tail: zeros add nothing to the sums.
#pragma once

#include <cstdint>
#include <vector>

namespace attn {

inline constexpr int64_t kInt8RowAlign = 64;
inline int64_t int8_stride(int64_t cols) {
  return (cols + kInt8RowAlign - 1) / kInt8RowAlign * kInt8RowAlign;
}

struct Int8Matrix {
  int64_t rows = 0, cols = 0, stride = 0;
  std::vector<int8_t> values;     // [rows, stride], zero beyond cols
  std::vector<float> scales;      // [rows]
  std::vector<int32_t> row_sums;  // [rows]: sum of row r's values (the VNNI kernel's shift)
};

// W [rows, cols] (row stride ldw) quantized per row.
Int8Matrix quantize_matrix(const float* w, int64_t rows, int64_t cols, int64_t ldw);
// An already quantized matrix (an int8 model file): q [rows, cols] dense, scales [rows].
Int8Matrix int8_matrix(const int8_t* q, const float* scales, int64_t rows, int64_t cols);

// C[m, w.rows] (row stride ldc) from A_q [m, w.stride] (zero beyond w.cols) and its scales.
void gemm_int8(int64_t m, const int8_t* a, const float* a_scales, const Int8Matrix& w, float* c,
               int64_t ldc);

// y[m, w.rows] = x[m, w.cols] W^T, x quantized per row first (dynamic quantization).
void matmul_int8(int64_t m, const float* x, int64_t ldx, const Int8Matrix& w, float* y,
                 int64_t ldy);

enum class Int8Kernel { kScalar, kAvx2, kAvx512Vnni };
const char* int8_kernel_name(Int8Kernel kernel);
bool int8_kernel_supported(Int8Kernel kernel);  // does this CPU have the instructions?
Int8Kernel int8_kernel();                       // the one products use (best supported)
// Tests and benchmarks compare kernels; `kernel` must be supported.
void set_int8_kernel(Int8Kernel kernel);

}  // namespace attn
