#include "libattn/kernels/gemm.h"

#include <gtest/gtest.h>

#include "libattn/core/rng.h"
#include "libattn/core/threads.h"

namespace attn {
namespace {

// C = alpha op(A) op(B) + beta C in float64, the independent reference.
std::vector<float> reference_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha,
                                  const std::vector<float>& a, int64_t lda,
                                  const std::vector<float>& b, int64_t ldb, float beta,
                                  std::vector<float> c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p)
        sum +=
            double(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
      c[i * ldc + j] = static_cast<float>(alpha * sum + beta * c[i * ldc + j]);
    }
  return c;
}

// Every route of gemm() (sgemv for one row, the small-rows kernel, sgemm) against a float64
// triple loop, with strided operands and alpha/beta, on one and two threads.
TEST(Gemm, AllRoutesMatchFloat64Reference) {
  Rng rng(11);
  for (int threads : {1, 2}) {
    set_threads(threads);
    for (int64_t m : {1, 3, 8, 9, 20})
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          const int64_t n = 300, k = 37;
          const int64_t lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 3, ldc = n + 1;
          std::vector<float> a((ta ? k : m) * lda), b((tb ? n : k) * ldb), c(m * ldc);
          for (auto& x : a) x = rng.uniform() - 0.5f;
          for (auto& x : b) x = rng.uniform() - 0.5f;
          for (auto& x : c) x = rng.uniform() - 0.5f;
          const float alpha = 0.75f, beta = 0.5f;
          const std::vector<float> expect =
              reference_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
          gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
              ASSERT_NEAR(c[i * ldc + j], expect[i * ldc + j], 1e-5)
                  << "m " << m << " ta " << ta << " tb " << tb << " at " << i << "," << j;
        }
  }
  set_threads(1);
}

// Products large enough to be split across threads (in row bands, in column bands, and a
// single row split as matrix-vector products) against a float64 triple loop.
TEST(Gemm, SplitAcrossThreadsMatchesFloat64Reference) {
  Rng rng(12);
  set_threads(2);
  struct Shape3 {
    int64_t m, n, k;
  };
  for (Shape3 s : {Shape3{300, 70, 40}, Shape3{40, 500, 30}, Shape3{1, 3000, 200}})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        const int64_t lda = (ta ? s.m : s.k) + 1, ldb = (tb ? s.k : s.n) + 2, ldc = s.n + 3;
        std::vector<float> a((ta ? s.k : s.m) * lda), b((tb ? s.n : s.k) * ldb), c(s.m * ldc);
        for (auto& x : a) x = rng.uniform() - 0.5f;
        for (auto& x : b) x = rng.uniform() - 0.5f;
        for (auto& x : c) x = rng.uniform() - 0.5f;
        const float alpha = 1.25f, beta = 0.5f;
        const std::vector<float> expect =
            reference_gemm(ta, tb, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc);
        gemm(ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
        for (int64_t i = 0; i < s.m; ++i)
          for (int64_t j = 0; j < s.n; ++j)
            ASSERT_NEAR(c[i * ldc + j], expect[i * ldc + j], 1e-4)
                << s.m << "x" << s.n << "x" << s.k << " ta " << ta << " tb " << tb << " at " << i
                << "," << j;
      }
  set_threads(1);
}

}  // namespace
}  // namespace attn
