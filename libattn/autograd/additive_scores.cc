#include "libattn/autograd/additive_scores.h"

#include <algorithm>
#include <vector>

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/fast_exp.h"
#include "libattn/kernels/row_reduce.h"

namespace attn {

// Forward, with t[b, j, :] = tanh(keys[b, j, :] + query[b, :]):  scores[b, j] = v · t[b, j, :].
// Backward, with G = d scores and dz[b, j, a] = G[b, j] v[a] (1 - t[b, j, a]^2):
//   d keys[b, j, :] = dz[b, j, :],  d query[b, :] = sum_j dz[b, j, :],
//   d v = sum_{b, j} G[b, j] t[b, j, :].
// Every sum runs in a fixed order whatever the thread count (rows of one b stay on one
// thread; d v is summed serially), so training stays bit-for-bit repeatable across --threads.
Var additive_scores(const Var& keys_var, const Var& query_var, const Var& v_var) {
  const Tensor keys = keys_var.value().contiguous();
  const Tensor query = query_var.value().contiguous();
  const Tensor v = v_var.value().contiguous();
  ATTN_CHECK(keys.rank() == 3 && query.rank() == 2 && query.dim(0) == keys.dim(0) &&
                 query.dim(1) == keys.dim(2) && v.numel() == keys.dim(2),
             "additive_scores: keys {} need query [B, A] and v [1, A], got {} and {}",
             shape_str(keys.shape()), shape_str(query.shape()), shape_str(v.shape()));
  const int64_t batch = keys.dim(0), length = keys.dim(1), width = keys.dim(2);
  const bool grad = needs_grad(keys_var, query_var, v_var);
  // t is kept for the backward pass (it gives both tanh's derivative and d v).
  Tensor hidden = grad ? Tensor::empty({batch, length, width}) : Tensor();
  Tensor scores = Tensor::empty({batch, length});
  {
    const float* pk = keys.data();
    const float* pq = query.data();
    const float* pv = v.data();
    float* pt = grad ? hidden.data() : nullptr;
    float* ps = scores.data();
    parallel_for(
        batch * length,
        [&](int64_t begin, int64_t end) {
          std::vector<float> scratch(pt ? 0 : width);
          for (int64_t row = begin; row < end; ++row) {
            const float* k = pk + row * width;
            const float* q = pq + row / length * width;
            float* t = pt ? pt + row * width : scratch.data();
            for (int64_t a = 0; a < width; ++a) t[a] = tanh_fast(k[a] + q[a]);
            ps[row] = row_dot(t, pv, width);
          }
        },
        std::max<int64_t>(1, 4096 / std::max<int64_t>(width, 1)));
  }
  Var out(scores, grad);
  if (out.requires_grad()) {
    tape().record([keys_var, query_var, v_var, out, hidden, v, batch, length, width]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();  // [B, S]
      const float* pt = hidden.data();
      const float* pv = v.data();
      float* gk = keys_var.requires_grad() ? keys_var.grad().data() : nullptr;
      float* gq = query_var.requires_grad() ? query_var.grad().data() : nullptr;
      if (gk || gq) {
        parallel_for(batch, [&](int64_t b0, int64_t b1) {
          std::vector<float> dz(width);
          for (int64_t b = b0; b < b1; ++b)
            for (int64_t j = 0; j < length; ++j) {
              const int64_t row = b * length + j;
              const float* t = pt + row * width;
              for (int64_t a = 0; a < width; ++a) dz[a] = g[row] * pv[a] * (1.0f - t[a] * t[a]);
              if (gk)
                for (int64_t a = 0; a < width; ++a) gk[row * width + a] += dz[a];
              if (gq)
                for (int64_t a = 0; a < width; ++a) gq[b * width + a] += dz[a];
            }
        });
      }
      if (v_var.requires_grad()) {
        float* gv = v_var.grad().data();
        for (int64_t row = 0; row < batch * length; ++row) {
          const float* t = pt + row * width;
          for (int64_t a = 0; a < width; ++a) gv[a] += g[row] * t[a];
        }
      }
    });
  }
  return out;
}

}  // namespace attn
