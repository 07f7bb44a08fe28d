#include "libattn/kernels/gemm.h"

#include <gtest/gtest.h>

#include "libattn/core/rng.h"
#include "libattn/core/threads.h"

namespace attn {
namespace {

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
          std::vector<float> expect = c;
          const float alpha = 0.75f, beta = 0.5f;
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double sum = 0;
              for (int64_t p = 0; p < k; ++p)
                sum += double(ta ? a[p * lda + i] : a[i * lda + p]) *
                       (tb ? b[j * ldb + p] : b[p * ldb + j]);
              expect[i * ldc + j] = static_cast<float>(alpha * sum + beta * c[i * ldc + j]);
            }
          gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
              ASSERT_NEAR(c[i * ldc + j], expect[i * ldc + j], 1e-5)
                  << "m " << m << " ta " << ta << " tb " << tb << " at " << i << "," << j;
        }
  }
  set_threads(1);
}

}  // namespace
}  // namespace attn
