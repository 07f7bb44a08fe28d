#include "libattn/kernels/gemm_int8.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>

#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/quantize.h"

namespace attn {

namespace {

// Output columns a block of the product works on while rows of A pass over it: 32 rows of
// W at K = 2048 are 64 KB, which stay in L2 while every 4-row block of A streams by.
constexpr int64_t kColumnBlock = 32;
// The work (multiply-adds) below which a product stays on the calling thread: waking the
// pool costs more than the split saves. Four times kernels/gemm.cc's bar, since the int8
// kernels do a product that much faster than sgemm (batch-1 decoding's 512 x 512 products
// stay serial; the output layer and every batched product split).
constexpr int64_t kParallelWork = int64_t{1} << 20;

// ---- the micro-kernels: out[MR][NR] = int32 dot products of MR rows of A and NR rows of W
// over kp bytes (a multiple of 64, zero padded) -------------------------------------------

template <int MR, int NR>
void block_scalar(const int8_t* a, int64_t lda, const int8_t* w, int64_t ldw, int64_t kp,
                  int32_t* out) {
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      int32_t sum = 0;
      for (int64_t p = 0; p < kp; ++p) sum += int32_t{a[i * lda + p]} * int32_t{w[j * ldw + p]};
      out[i * NR + j] = sum;
    }
}

__attribute__((target("avx2"))) inline int32_t sum_lanes_avx2(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

template <int MR, int NR>
__attribute__((target("avx2"))) void block_avx2(const int8_t* a, int64_t lda, const int8_t* w,
                                                int64_t ldw, int64_t kp, int32_t* out) {
  __m256i acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t p = 0; p < kp; p += 32) {
    __m256i wv[NR];
    for (int j = 0; j < NR; ++j)
      wv[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j * ldw + p));
    for (int i = 0; i < MR; ++i) {
      const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i * lda + p));
      const __m256i magnitude = _mm256_abs_epi8(av);  // unsigned operand of vpmaddubsw
      for (int j = 0; j < NR; ++j) {
        // |a| * (sign(a) * w) = a * w; pairs summed to int16 (no saturation, see header),
        // then pairs of int16 to int32.
        const __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(wv[j], av));
        acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(pairs, ones));
      }
    }
  }
  // Four accumulators' sums at a time, in one 16-byte store: the caller reads `out` back
  // with vector loads, and a load that spans several 4-byte stores cannot be forwarded from
  // them (a stall per block that cost 10% of an M = 160 decode).
  const __m256i* flat = &acc[0][0];
  int t = 0;
  for (; t + 4 <= MR * NR; t += 4) {
    // hadd(hadd(a, b), hadd(c, d)) holds a, b, c, d's partial sums in each 128-bit lane.
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(flat[t], flat[t + 1]),
                                        _mm256_hadd_epi32(flat[t + 2], flat[t + 3]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + t),
                     _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1)));
  }
  for (; t < MR * NR; ++t) out[t] = sum_lanes_avx2(flat[t]);
}

// A is unsigned here (a + 128, see gemm_int8): the caller subtracts 128 * row_sum(W).
template <int MR, int NR>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void block_vnni(
    const int8_t* a, int64_t lda, const int8_t* w, int64_t ldw, int64_t kp, int32_t* out) {
  __m512i acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_setzero_si512();
  for (int64_t p = 0; p < kp; p += 64) {
    __m512i wv[NR];
    for (int j = 0; j < NR; ++j) wv[j] = _mm512_loadu_si512(w + j * ldw + p);
    for (int i = 0; i < MR; ++i) {
      const __m512i av = _mm512_loadu_si512(a + i * lda + p);
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], av, wv[j]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      // Through memory: GCC 12's _mm512_reduce_add_epi32 trips -Wuninitialized.
      int32_t lanes[16];
      _mm512_storeu_si512(lanes, acc[i][j]);
      int32_t sum = 0;
      for (int32_t lane : lanes) sum += lane;
      out[i * NR + j] = sum;
    }
}

using BlockFn = void (*)(const int8_t*, int64_t, const int8_t*, int64_t, int64_t, int32_t*);

// The micro-kernels of one instruction set: 4 rows of A x 2 rows of W where there are that
// many (8 accumulators: AVX2 has 16 registers), one row of A x 4 rows of W for batch-1
// decoding, and the leftovers.
struct Blocks {
  BlockFn rows[5][3];  // [MR][NR], NR in {1, 2}
  BlockFn one_by_four;
};


#define ATTN_INT8_BLOCKS(fn)                                                               \
  Blocks{{{nullptr, nullptr, nullptr},                                                    \
          {nullptr, fn<1, 1>, fn<1, 2>},                                                  \
          {nullptr, fn<2, 1>, fn<2, 2>},                                                  \
          {nullptr, fn<3, 1>, fn<3, 2>},                                                  \
          {nullptr, fn<4, 1>, fn<4, 2>}},                                                 \
         fn<1, 4>}

const Blocks& blocks_for(Int8Kernel kernel) {
  static const Blocks scalar = ATTN_INT8_BLOCKS(block_scalar);
  static const Blocks avx2 = ATTN_INT8_BLOCKS(block_avx2);
  static const Blocks vnni = ATTN_INT8_BLOCKS(block_vnni);
  switch (kernel) {
    case Int8Kernel::kAvx512Vnni: return vnni;
    case Int8Kernel::kAvx2: return avx2;
    default: return scalar;
  }
}

Int8Kernel best_supported() {
  if (int8_kernel_supported(Int8Kernel::kAvx512Vnni)) return Int8Kernel::kAvx512Vnni;
  if (int8_kernel_supported(Int8Kernel::kAvx2)) return Int8Kernel::kAvx2;
  return Int8Kernel::kScalar;
}

std::atomic<Int8Kernel>& chosen_kernel() {
  static std::atomic<Int8Kernel> kernel{best_supported()};
  return kernel;
}

// Columns [n0, n1) of the product, on the calling thread. `a` is signed, or for the VNNI
// kernel already shifted to unsigned.
void product_columns(const Blocks& blocks, bool shifted, int64_t m, const int8_t* a,
                     const float* a_scales, const Int8Matrix& w, int64_t n0, int64_t n1,
                     float* c, int64_t ldc) {
  const int64_t kp = w.stride;
  int32_t out[16];
  auto store = [&](int64_t i0, int mr, int64_t j0, int nr) {
    for (int i = 0; i < mr; ++i)
      for (int j = 0; j < nr; ++j) {
        int32_t dot = out[i * nr + j];
        if (shifted) dot -= 128 * w.row_sums[j0 + j];
        c[(i0 + i) * ldc + j0 + j] = static_cast<float>(dot) * a_scales[i0 + i] * w.scales[j0 + j];
      }
  };
  for (int64_t b0 = n0; b0 < n1; b0 += kColumnBlock) {
    const int64_t b1 = std::min(n1, b0 + kColumnBlock);
    if (m == 1) {
      int64_t j = b0;
      for (; j + 4 <= b1; j += 4) {
        blocks.one_by_four(a, kp, w.values.data() + j * kp, kp, kp, out);
        store(0, 1, j, 4);
      }
      for (; j < b1; ++j) {
        blocks.rows[1][1](a, kp, w.values.data() + j * kp, kp, kp, out);
        store(0, 1, j, 1);
      }
      continue;
    }
    for (int64_t i = 0; i < m; i += 4) {
      const int mr = static_cast<int>(std::min<int64_t>(4, m - i));
      int64_t j = b0;
      for (; j + 2 <= b1; j += 2) {
        blocks.rows[mr][2](a + i * kp, kp, w.values.data() + j * kp, kp, kp, out);
        store(i, mr, j, 2);
      }
      if (j < b1) {
        blocks.rows[mr][1](a + i * kp, kp, w.values.data() + j * kp, kp, kp, out);
        store(i, mr, j, 1);
      }
    }
  }
}

void announce() {
  static std::once_flag once;
  std::call_once(once, [] {
    const Int8Kernel kernel = best_supported();
    if (kernel != Int8Kernel::kAvx512Vnni)
      std::fprintf(stderr, "attn: int8 products use the %s kernel: this CPU has no AVX-512 VNNI\n",
                   int8_kernel_name(kernel));
  });
}

Int8Matrix empty_matrix(int64_t rows, int64_t cols) {
  Int8Matrix w;
  w.rows = rows;
  w.cols = cols;
  w.stride = int8_stride(cols);
  w.values.assign(static_cast<size_t>(rows * w.stride), 0);
  w.scales.assign(static_cast<size_t>(rows), 0.0f);
  w.row_sums.assign(static_cast<size_t>(rows), 0);
  return w;
}

void fill_row_sums(Int8Matrix& w) {
  for (int64_t r = 0; r < w.rows; ++r) {
    int32_t sum = 0;
    for (int64_t p = 0; p < w.cols; ++p) sum += w.values[r * w.stride + p];
    w.row_sums[r] = sum;
  }
}

}  // namespace

const char* int8_kernel_name(Int8Kernel kernel) {
  switch (kernel) {
    case Int8Kernel::kAvx512Vnni: return "AVX-512 VNNI";
    case Int8Kernel::kAvx2: return "AVX2";
    default: return "scalar";
  }
}

bool int8_kernel_supported(Int8Kernel kernel) {
  __builtin_cpu_init();
  switch (kernel) {
    case Int8Kernel::kAvx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
    case Int8Kernel::kAvx2: return __builtin_cpu_supports("avx2");
    default: return true;
  }
}

Int8Kernel int8_kernel() { return chosen_kernel().load(); }

void set_int8_kernel(Int8Kernel kernel) {
  ATTN_CHECK(int8_kernel_supported(kernel), "int8 kernel {} not supported by this CPU",
             int8_kernel_name(kernel));
  chosen_kernel().store(kernel);
}

Int8Matrix quantize_matrix(const float* w, int64_t rows, int64_t cols, int64_t ldw) {
  Int8Matrix q = empty_matrix(rows, cols);
  quantize_rows(w, rows, cols, ldw, q.values.data(), q.stride, q.scales.data());
  fill_row_sums(q);
  return q;
}

Int8Matrix int8_matrix(const int8_t* values, const float* scales, int64_t rows, int64_t cols) {
  Int8Matrix q = empty_matrix(rows, cols);
  for (int64_t r = 0; r < rows; ++r) {
    std::copy(values + r * cols, values + (r + 1) * cols, q.values.data() + r * q.stride);
    q.scales[r] = scales[r];
  }
  fill_row_sums(q);
  return q;
}

void gemm_int8(int64_t m, const int8_t* a, const float* a_scales, const Int8Matrix& w, float* c,
               int64_t ldc) {
  if (m == 0 || w.rows == 0) return;
  const Int8Kernel kernel = int8_kernel();
  announce();
  const bool shifted = kernel == Int8Kernel::kAvx512Vnni;
  thread_local std::vector<int8_t> unsigned_a;
  if (shifted) {
    // vpdpbusd multiplies unsigned by signed bytes: a + 128 as a byte is a ^ 0x80.
    unsigned_a.resize(static_cast<size_t>(m * w.stride));
    for (int64_t p = 0; p < m * w.stride; ++p)
      unsigned_a[p] = static_cast<int8_t>(static_cast<uint8_t>(a[p]) ^ 0x80u);
    a = unsigned_a.data();
  }
  const Blocks& blocks = blocks_for(kernel);
  auto columns = [&](int64_t n0, int64_t n1) {
    product_columns(blocks, shifted, m, a, a_scales, w, n0, n1, c, ldc);
  };
  if (threads() < 2 || m * w.rows * w.cols < kParallelWork) {
    columns(0, w.rows);
    return;
  }
  // Blocks of kColumnBlock output columns, claimed one at a time by whichever thread is free,
  // not one fixed band a thread: on a busy machine a worker that loses its CPU mid-product
  // then holds up one block, not half the product (int8 products are short, so a fixed band
  // made 2 threads slower than 1 under load). Every output is the same integer sum and the
  // same rescale whichever thread computes it, so results do not depend on the thread count.
  const int64_t blocks_total = (w.rows + kColumnBlock - 1) / kColumnBlock;
  std::atomic<int64_t> next_block{0};
  parallel_for(threads(), [&](int64_t, int64_t) {
    for (int64_t b = next_block.fetch_add(1); b < blocks_total; b = next_block.fetch_add(1))
      columns(b * kColumnBlock, std::min(w.rows, (b + 1) * kColumnBlock));
  });
}

void matmul_int8(int64_t m, const float* x, int64_t ldx, const Int8Matrix& w, float* y,
                 int64_t ldy) {
  thread_local std::vector<int8_t> q;
  thread_local std::vector<float> scales;
  q.resize(static_cast<size_t>(m * w.stride));
  scales.resize(static_cast<size_t>(m));
  quantize_rows(x, m, w.cols, ldx, q.data(), w.stride, scales.data());
  if (w.stride > w.cols)  // the padding the kernels read must be zero (gemm_int8.h)
    for (int64_t i = 0; i < m; ++i)
      std::fill(q.data() + i * w.stride + w.cols, q.data() + (i + 1) * w.stride, int8_t{0});
  gemm_int8(m, q.data(), scales.data(), w, y, ldy);
}

}  // namespace attn
