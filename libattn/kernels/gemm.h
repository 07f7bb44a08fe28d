// Matrix products on OpenBLAS (single-threaded: a large product is split in row or column
// bands across our thread pool, core/threads.h). Row-major, BLAS semantics:
//   C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C
// where op(X) is X or X^T. lda/ldb/ldc are the row strides of A, B, C as stored.
//
//   gemm(false, true, M, N, K, 1.0f, a, K, b, K, 0.0f, c, N);   // C = A B^T
//
// A single row (M == 1) goes to sgemv: OpenBLAS's sgemm with M = 1 is several times slower
// here than its sgemv, and batch-1 decoding lives on such products. A few rows (beam search
// at batch 1: M = beam size) go to our own kernel, which streams B once while the rows of A
// stay in cache; sgemm would spend most of its time packing B (measured: 44% of a beam-5
// decode in sgemm_incopy).
#pragma once

#include <cstdint>

namespace attn {

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc);

// `batch` independent products; matrix i of X starts at x + i * stride_x.
void gemm_strided_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                          float alpha, const float* a, int64_t lda, int64_t stride_a,
                          const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                          int64_t ldc, int64_t stride_c, int64_t batch);

}  // namespace attn
