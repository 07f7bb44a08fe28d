// Quantization error bounds and the int8 GEMM kernels (every one this CPU can run) against
// references: exact on integers, within a derived bound on floats.
#include "libattn/kernels/gemm_int8.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "libattn/core/rng.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/quantize.h"

namespace attn {
namespace {

std::vector<float> random_values(int64_t n, Rng& rng, float range) {
  std::vector<float> v(n);
  for (auto& x : v) x = range * (2.0f * rng.uniform() - 1.0f);
  return v;
}

std::vector<Int8Kernel> supported_kernels() {
  std::vector<Int8Kernel> kernels;
  for (Int8Kernel k : {Int8Kernel::kScalar, Int8Kernel::kAvx2, Int8Kernel::kAvx512Vnni})
    if (int8_kernel_supported(k)) kernels.push_back(k);
  return kernels;
}

struct KernelGuard {
  Int8Kernel saved = int8_kernel();
  ~KernelGuard() { set_int8_kernel(saved); }
};

// Each entry comes back within half a step (scale / 2) of where it was; the largest entry
// of a row maps to exactly +-127, -128 never appears, and a zero row stays zero.
TEST(Quantize, RoundTripWithinHalfAStep) {
  Rng rng(3);
  const int64_t rows = 9, cols = 67, ldq = 80;
  std::vector<float> x = random_values(rows * cols, rng, 3.0f);
  for (int64_t j = 0; j < cols; ++j) x[4 * cols + j] = 0.0f;  // an all-zero row
  x[2 * cols + 5] = -7.5f;                                       // a row's extreme, negative
  std::vector<int8_t> q(rows * ldq, 99);
  std::vector<float> scales(rows), back(rows * cols);
  quantize_rows(x.data(), rows, cols, cols, q.data(), ldq, scales.data());
  dequantize_rows(q.data(), ldq, scales.data(), rows, cols, back.data(), cols);
  for (int64_t r = 0; r < rows; ++r) {
    float largest = 0;
    int peak = 0;
    for (int64_t j = 0; j < cols; ++j) {
      largest = std::max(largest, std::fabs(x[r * cols + j]));
      peak = std::max(peak, std::abs(int{q[r * ldq + j]}));
      EXPECT_GE(q[r * ldq + j], -127);
      EXPECT_LE(std::fabs(back[r * cols + j] - x[r * cols + j]), scales[r] * 0.5f * 1.0001f)
          << r << "," << j;
    }
    EXPECT_FLOAT_EQ(scales[r], largest / 127.0f);
    EXPECT_EQ(peak, r == 4 ? 0 : 127);
    for (int64_t j = cols; j < ldq; ++j) EXPECT_EQ(q[r * ldq + j], 99);  // padding untouched
  }
  EXPECT_EQ(q[2 * ldq + 5], -127);
  EXPECT_EQ(scales[4], 0.0f);
}

// The vectorised quantization (AVX2 where the CPU has it) gives exactly what the formula in
// kernels/quantize.h gives, element for element: ties at .5 round away from zero, tails of
// rows shorter than a vector, a row whose maximum sits in the tail.
TEST(Quantize, MatchesTheScalarFormulaExactly) {
  Rng rng(5);
  for (int64_t cols : {1, 8, 31, 32, 67, 512}) {
    const int64_t rows = 3;
    std::vector<float> x = random_values(rows * cols, rng, 2.0f);
    x[0] = 127.0f;                                // row 0's scale is exactly 1: ties below
    for (int64_t j = 1; j < cols; ++j) x[j] = 0.5f * static_cast<float>((j % 9) - 4);
    x[2 * cols + cols - 1] = -9.0f;               // row 2's maximum, last entry
    std::vector<int8_t> q(rows * cols);
    std::vector<float> scales(rows);
    quantize_rows(x.data(), rows, cols, cols, q.data(), cols, scales.data());
    for (int64_t r = 0; r < rows; ++r) {
      float largest = 0;
      for (int64_t j = 0; j < cols; ++j) largest = std::max(largest, std::fabs(x[r * cols + j]));
      ASSERT_EQ(scales[r], largest / 127.0f) << cols << " row " << r;
      const float inverse = largest > 0 ? 127.0f / largest : 0.0f;
      for (int64_t j = 0; j < cols; ++j) {
        const float v = x[r * cols + j] * inverse;
        const int want = std::clamp(static_cast<int>(v + (v >= 0 ? 0.5f : -0.5f)), -127, 127);
        ASSERT_EQ(int{q[r * cols + j]}, want) << cols << " row " << r << " col " << j;
      }
    }
  }
}

// A product split across the pool equals the one-thread product bit for bit (every output
// is one integer sum and one rescale, whichever thread computes it), at a decoding shape
// large enough to be split.
TEST(GemmInt8, SameResultAtAnyThreadCount) {
  Rng rng(11);
  const int64_t m = 160, k = 512, n = 200;
  std::vector<float> x = random_values(m * k, rng, 2.0f), w = random_values(n * k, rng, 0.3f);
  const Int8Matrix wq = quantize_matrix(w.data(), n, k, k);
  std::vector<float> one(m * n), two(m * n, -1.0f);
  set_threads(1);
  matmul_int8(m, x.data(), k, wq, one.data(), n);
  set_threads(2);
  matmul_int8(m, x.data(), k, wq, two.data(), n);
  set_threads(1);
  for (int64_t i = 0; i < m * n; ++i) ASSERT_EQ(one[i], two[i]) << i;
}

// On integers the kernels are exact: every kernel, odd shapes (M = 1, 7, 33; K not a
// multiple of 4 or 64), extreme values (+-127 everywhere, the AVX2 kernel's worst case for
// int16 pair sums), against an int64 triple loop.
TEST(GemmInt8, KernelsExactOnIntegers) {
  KernelGuard guard;
  Rng rng(5);
  for (Int8Kernel kernel : supported_kernels()) {
    set_int8_kernel(kernel);
    for (int threads : {1, 2}) {
      set_threads(threads);
      for (int64_t m : {1, 7, 33})
        for (int64_t k : {1, 3, 63, 65, 130, 517})
          for (int64_t n : {1, 5, 38, 301}) {
            std::vector<int8_t> wq(n * k), aq(m * int8_stride(k), 0);
            std::vector<float> w_scales(n), a_scales(m);
            const bool extreme = (k == 517);
            for (auto& v : wq) v = extreme ? (rng.uniform() < 0.5f ? 127 : -127)
                                           : static_cast<int8_t>(rng.uniform() * 255.0f - 127.0f);
            for (int64_t i = 0; i < m; ++i)
              for (int64_t p = 0; p < k; ++p)
                aq[i * int8_stride(k) + p] =
                    extreme ? (rng.uniform() < 0.5f ? 127 : -127)
                            : static_cast<int8_t>(rng.uniform() * 255.0f - 127.0f);
            for (auto& s : w_scales) s = 0.5f + rng.uniform();
            for (auto& s : a_scales) s = 0.5f + rng.uniform();
            const Int8Matrix w = int8_matrix(wq.data(), w_scales.data(), n, k);
            std::vector<float> c(m * (n + 3), -1.0f);
            gemm_int8(m, aq.data(), a_scales.data(), w, c.data(), n + 3);
            for (int64_t i = 0; i < m; ++i)
              for (int64_t j = 0; j < n; ++j) {
                int64_t dot = 0;
                for (int64_t p = 0; p < k; ++p)
                  dot += int64_t{aq[i * int8_stride(k) + p]} * wq[j * k + p];
                const float want = static_cast<float>(dot) * a_scales[i] * w_scales[j];
                ASSERT_EQ(c[i * (n + 3) + j], want)
                    << int8_kernel_name(kernel) << " m=" << m << " k=" << k << " n=" << n
                    << " at " << i << "," << j;
              }
          }
    }
  }
  set_threads(1);
}

// Against fp32 (float64 reference): the stated tolerance. With x = sx qx + ex and
// w = sw qw + ew, |ex| <= sx / 2 and |ew| <= sw / 2, so for one output
//   |x.w - x^.w^| <= K (sx max|w| + sw max|x|) / 2 + K sx sw / 4 <= K max|x| max|w| / 126,
// the worst case; on random data the error is far smaller: relative RMS error < 1%.
TEST(GemmInt8, MatmulWithinStatedToleranceOfFp32) {
  KernelGuard guard;
  Rng rng(9);
  for (Int8Kernel kernel : supported_kernels()) {
    set_int8_kernel(kernel);
    for (int64_t m : {1, 7, 33})
      for (int64_t k : {3, 70, 257}) {
        const int64_t n = 45;
        std::vector<float> x = random_values(m * (k + 1), rng, 2.0f);  // row stride k + 1
        std::vector<float> w = random_values(n * k, rng, 0.3f);
        const Int8Matrix wq = quantize_matrix(w.data(), n, k, k);
        std::vector<float> y(m * n);
        matmul_int8(m, x.data(), k + 1, wq, y.data(), n);
        double error2 = 0, total2 = 0;
        for (int64_t i = 0; i < m; ++i) {
          float max_x = 0;
          for (int64_t p = 0; p < k; ++p) max_x = std::max(max_x, std::fabs(x[i * (k + 1) + p]));
          for (int64_t j = 0; j < n; ++j) {
            float max_w = 0;
            double want = 0;
            for (int64_t p = 0; p < k; ++p) {
              max_w = std::max(max_w, std::fabs(w[j * k + p]));
              want += double{x[i * (k + 1) + p]} * w[j * k + p];
            }
            const double error = std::fabs(y[i * n + j] - want);
            EXPECT_LE(error, k * max_x * max_w / 126.0 + 1e-5) << m << "," << k;
            error2 += error * error;
            total2 += want * want;
          }
        }
        EXPECT_LT(std::sqrt(error2 / total2), k == 3 ? 0.03 : 0.01)
            << int8_kernel_name(kernel) << " m=" << m << " k=" << k;
      }
  }
}

}  // namespace
}  // namespace attn
