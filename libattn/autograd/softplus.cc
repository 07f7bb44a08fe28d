#include "libattn/autograd/softplus.h"

#include <algorithm>
#include <cmath>

#include "libattn/autograd/tape.h"

namespace attn {

// d softplus(x) / dx = σ(x) = 1 / (1 + e^-x).
Var softplus(const Var& x_var) {
  const Tensor x = x_var.value().contiguous();
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i)
    y[i] = std::max(x[i], 0.0f) + std::log1p(std::exp(-std::abs(x[i])));
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) {
    tape().record([x_var, out, x, n]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      float* gx = x_var.grad().data();
      for (int64_t i = 0; i < n; ++i) gx[i] += g[i] / (1.0f + std::exp(-x[i]));
    });
  }
  return out;
}

}  // namespace attn
