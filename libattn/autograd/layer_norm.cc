#include "libattn/autograd/layer_norm.h"

#include "libattn/autograd/tape.h"
#include "libattn/core/error.h"
#include "libattn/kernels/layer_norm.h"

namespace attn {

Var layer_norm(const Var& x_var, const Var& gamma_var, const Var& beta_var, float eps) {
  const Tensor x = x_var.value().contiguous();
  const Tensor gamma = gamma_var.value().contiguous();
  const Tensor beta = beta_var.value().contiguous();
  ATTN_CHECK(x.rank() >= 1, "layer_norm: needs rank >= 1, got a scalar");
  const int64_t cols = x.dim(-1), rows = cols == 0 ? 0 : x.numel() / cols;
  ATTN_CHECK(gamma.shape() == Shape{cols} && beta.shape() == Shape{cols},
             "layer_norm: x {} needs gamma and beta [{}], got {} and {}", shape_str(x.shape()),
             cols, shape_str(gamma.shape()), shape_str(beta.shape()));
  Tensor y = Tensor::empty(x.shape());
  Tensor mean = Tensor::empty({rows}), rstd = Tensor::empty({rows});
  layer_norm_rows(x.data(), gamma.data(), beta.data(), eps, y.data(), mean.data(), rstd.data(),
                  rows, cols);
  Var out(y, needs_grad(x_var, gamma_var, beta_var));
  if (out.requires_grad()) {
    tape().record([x_var, gamma_var, beta_var, out, x, gamma, mean, rstd, rows, cols]() {
      if (!out.has_grad()) return;
      bool accumulate_dx = false;  // dx still zero is written, not cleared and added to
      float* dx = x_var.requires_grad() ? x_var.grad_to_write(accumulate_dx).data() : nullptr;
      layer_norm_backward_rows(
          out.grad().data(), x.data(), gamma.data(), mean.data(), rstd.data(), dx, accumulate_dx,
          gamma_var.requires_grad() ? gamma_var.grad().data() : nullptr,
          beta_var.requires_grad() ? beta_var.grad().data() : nullptr, rows, cols);
    });
  }
  return out;
}

}  // namespace attn
