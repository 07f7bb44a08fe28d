#include "libattn/kernels/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <functional>

#include "libattn/core/threads.h"
#include "libattn/kernels/row_reduce.h"

namespace attn {

namespace {

// Up to this many rows, skinny products skip sgemm's packing (see gemm.h).
constexpr int64_t kSmallRows = 8;
// Columns per parallel chunk, so each thread streams a good run of B.
constexpr int64_t kColumnsPerChunk = 256;
// Up to this many elements of B, a batched product's entries are looped here, not in BLAS.
constexpr int64_t kSmallProduct = 64 * 1024;
// OpenBLAS runs single-threaded (core/threads.h); from this many multiply-adds up, a product
// is split across our pool, in one band of rows or columns a thread. Below it, waking the
// other thread costs more than it saves.
constexpr int64_t kParallelWork = int64_t{1} << 18;
// Bands are whole multiples of this many rows or columns (a 64-byte line of C).
constexpr int64_t kBandAlign = 16;

// Columns [n0, n1) of C[m, n] = alpha * A[m, k] op(B) + beta * C for small m, A not
// transposed, on the calling thread.
void small_rows_block(bool trans_b, int64_t m, int64_t n0, int64_t n1, int64_t k, float alpha,
                      const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                      float* c, int64_t ldc) {
  if (trans_b) {
    // B stored [N, K]: each output is a dot product of a row of A and a row of B.
    for (int64_t j = n0; j < n1; ++j) {
      const float* b_row = b + j * ldb;
      for (int64_t i = 0; i < m; ++i) {
        const float dot = row_dot(a + i * lda, b_row, k);
        float& out = c[i * ldc + j];
        out = alpha * dot + (beta == 0.0f ? 0.0f : beta * out);
      }
    }
    return;
  }
  // B stored [K, N]: rows of C accumulate scaled rows of B.
  for (int64_t i = 0; i < m; ++i) {
    float* c_row = c + i * ldc;
    for (int64_t j = n0; j < n1; ++j) c_row[j] = beta == 0.0f ? 0.0f : beta * c_row[j];
  }
  for (int64_t p = 0; p < k; ++p) {
    const float* b_row = b + p * ldb;
    for (int64_t i = 0; i < m; ++i) {
      const float scale = alpha * a[i * lda + p];
      float* c_row = c + i * ldc;
      for (int64_t j = n0; j < n1; ++j) c_row[j] += scale * b_row[j];
    }
  }
}

// Splits [0, extent) into bands of whole kBandAlign units, one per thread, and runs
// band(begin, end) for each across the pool.
void for_bands(int64_t extent, const std::function<void(int64_t, int64_t)>& band) {
  const int64_t units = (extent + kBandAlign - 1) / kBandAlign;
  parallel_for(units, [&](int64_t u0, int64_t u1) {
    band(u0 * kBandAlign, std::min(extent, u1 * kBandAlign));
  });
}

// The rows or columns of a product split into bands across the pool when it is large
// enough, each band one single-threaded BLAS call: rows when there are more rows than
// columns (training, batch decoding), else columns (the output layer's vocabulary).
bool split_across_threads(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                          const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                          float* c, int64_t ldc) {
  if (threads() < 2 || m * n * k < kParallelWork || std::max(m, n) < 2 * kBandAlign) return false;
  const auto op_a = trans_a ? CblasTrans : CblasNoTrans, op_b = trans_b ? CblasTrans : CblasNoTrans;
  if (m >= n) {
    for_bands(m, [&](int64_t i0, int64_t i1) {
      const float* a_band = trans_a ? a + i0 : a + i0 * lda;
      cblas_sgemm(CblasRowMajor, op_a, op_b, i1 - i0, n, k, alpha, a_band, lda, b, ldb, beta,
                  c + i0 * ldc, ldc);
    });
  } else {
    for_bands(n, [&](int64_t j0, int64_t j1) {
      const float* b_band = trans_b ? b + j0 * ldb : b + j0;
      if (m == 1) {
        // See gemm(): one row is a matrix-vector product.
        cblas_sgemv(CblasRowMajor, trans_b ? CblasNoTrans : CblasTrans, trans_b ? j1 - j0 : k,
                    trans_b ? k : j1 - j0, alpha, b_band, ldb, a, trans_a ? lda : 1, beta, c + j0,
                    1);
        return;
      }
      cblas_sgemm(CblasRowMajor, op_a, op_b, m, j1 - j0, k, alpha, a, lda, b_band, ldb, beta,
                  c + j0, ldc);
    });
  }
  return true;
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc) {
  if (m == 0 || n == 0) return;
  if ((m == 1 || m > kSmallRows || trans_a) &&
      split_across_threads(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
    return;
  if (m == 1) {
    // c[1, N] = alpha * a[1, K] op(B) + beta * c  ==  op(B)^T a  as a matrix-vector product.
    // B stored [K, N] (no transpose): y = B^T x; B stored [N, K] (transposed): y = B x.
    int64_t inc_a = trans_a ? lda : 1;
    cblas_sgemv(CblasRowMajor, trans_b ? CblasNoTrans : CblasTrans, trans_b ? n : k,
                trans_b ? k : n, alpha, b, ldb, a, inc_a, beta, c, 1);
    return;
  }
  if (m <= kSmallRows && !trans_a) {
    parallel_for(
        n,
        [&](int64_t n0, int64_t n1) {
          small_rows_block(trans_b, m, n0, n1, k, alpha, a, lda, b, ldb, beta, c, ldc);
        },
        kColumnsPerChunk);
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_strided_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                          float alpha, const float* a, int64_t lda, int64_t stride_a,
                          const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                          int64_t ldc, int64_t stride_c, int64_t batch) {
  if (m <= kSmallRows && !trans_a && n * k <= kSmallProduct) {
    // Many tiny products (attention while decoding: one query row per head): a BLAS call
    // each costs more than the arithmetic, so loop here, batch entries split over threads.
    parallel_for(batch, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        small_rows_block(trans_b, m, 0, n, k, alpha, a + i * stride_a, lda, b + i * stride_b,
                         ldb, beta, c + i * stride_c, ldc);
    });
    return;
  }
  // Entries split over threads when there are enough of them (attention in training:
  // B * H products); a few large ones are split inside gemm() instead.
  const bool by_entry = batch >= 2 * threads();
  auto entries = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      gemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
           c + i * stride_c, ldc);
  };
  if (by_entry)
    parallel_for(batch, entries);
  else
    entries(0, batch);
}

}  // namespace attn
