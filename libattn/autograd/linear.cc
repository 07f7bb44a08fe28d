#include "libattn/autograd/linear.h"

#include <algorithm>

#include "libattn/autograd/matmul.h"
#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/kernels/gemm.h"

namespace attn {

// Forward Y = X Wᵀ + b. Backward, with G = dY:  dX = G W,  dW = Gᵀ X,  db = sum over rows of G.
Var linear(const Var& x_var, const Var& w_var, const Var& b_var) {
  const Tensor x = x_var.value().contiguous();
  const Tensor w = w_var.value().contiguous();
  const Tensor b = b_var.value().contiguous();
  const int64_t out_features = w.dim(0), in_features = w.rank() == 2 ? w.dim(1) : 0;
  ATTN_CHECK(w.rank() == 2 && x.rank() >= 1 && x.dim(-1) == in_features &&
                 b.shape() == Shape{out_features},
             "linear: x {} needs weight [out, {}] and bias [out], got {} and {}",
             shape_str(x.shape()), x.rank() >= 1 ? x.dim(-1) : 0, shape_str(w.shape()),
             shape_str(b.shape()));
  const bool grad = needs_grad(x_var, w_var, b_var);
  // The product as matmul computes it (and, without gradients, through an int8 copy of the
  // weight where there is one); the bias is then added in place.
  Tensor y;
  {
    NoGrad no_grad;
    y = matmul(Var(x), Var(w), false, true).value();
  }
  const int64_t rows = in_features == 0 ? 0 : x.numel() / in_features;
  {
    float* py = y.data();
    const float* pb = b.data();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < out_features; ++j) py[r * out_features + j] += pb[j];
  }
  Var out(y, grad);
  if (out.requires_grad()) {
    tape().record([x_var, w_var, b_var, out, x, w, rows, in_features, out_features]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();  // [rows, out]
      // A gradient still zero is written (beta 0), not zero-filled and then added to.
      bool accumulate = false;
      if (x_var.requires_grad()) {
        float* gx = x_var.grad_to_write(accumulate).data();
        gemm(false, false, rows, in_features, out_features, 1.0f, g, out_features, w.data(),
             in_features, accumulate ? 1.0f : 0.0f, gx, in_features);
      }
      if (w_var.requires_grad()) {
        float* gw = w_var.grad_to_write(accumulate).data();
        gemm(true, false, out_features, in_features, rows, 1.0f, g, out_features, x.data(),
             in_features, accumulate ? 1.0f : 0.0f, gw, in_features);
      }
      if (b_var.requires_grad()) {
        float* gb = b_var.grad().data();
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < out_features; ++j) gb[j] += g[r * out_features + j];
      }
    });
  }
  return out;
}

}  // namespace attn
