#include "libattn/autograd/reduce.h"

#include <algorithm>

#include "libattn/autograd/axis.h"
#include "libattn/autograd/elementwise.h"
#include "libattn/autograd/tape.h"

namespace attn {

namespace {

// factor * sum of every element, as a [1] tensor. Accumulated in double so a long sum of
// small terms (a loss over a large batch) keeps its low bits.
Var reduce_all(const Var& x_var, bool average) {
  const Tensor x = x_var.value().contiguous();
  const int64_t n = x.numel();
  const float factor = average && n > 0 ? 1.0f / static_cast<float>(n) : 1.0f;
  const float* px = x.data();
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += px[i];
  Var out(Tensor::full({1}, static_cast<float>(total * factor)), needs_grad(x_var));
  if (out.requires_grad()) {
    tape().record([x_var, out, n, factor]() {
      if (!out.has_grad()) return;
      const float g = out.grad().data()[0] * factor;
      float* gx = x_var.grad().data();
      for (int64_t i = 0; i < n; ++i) gx[i] += g;
    });
  }
  return out;
}

// out[o, i] = factor * sum_j x[o, j, i]; without keepdim the axis disappears (a rank-1
// input gives shape [1], matching the scalar reductions).
Var reduce_axis(const Var& x_var, int axis, bool keepdim, bool average) {
  const Tensor x = x_var.value().contiguous();
  axis = normalize_axis(axis, x.rank(), average ? "mean" : "sum");
  const AxisSplit s = split_at_axis(x.shape(), axis);
  const float factor = average && s.size > 0 ? 1.0f / static_cast<float>(s.size) : 1.0f;
  Shape out_shape = x.shape();
  if (keepdim) out_shape[axis] = 1;
  else out_shape.erase(out_shape.begin() + axis);
  if (out_shape.empty()) out_shape = {1};
  Tensor y = Tensor::zeros(out_shape);
  const float* px = x.data();
  float* py = y.data();
  for (int64_t o = 0; o < s.outer; ++o) {
    float* yo = py + o * s.inner;
    for (int64_t j = 0; j < s.size; ++j) {
      const float* xr = px + (o * s.size + j) * s.inner;
      for (int64_t i = 0; i < s.inner; ++i) yo[i] += xr[i];
    }
    for (int64_t i = 0; i < s.inner; ++i) yo[i] *= factor;
  }
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) {
    tape().record([x_var, out, s, factor]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      float* gx = x_var.grad().data();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t j = 0; j < s.size; ++j) {
          float* gr = gx + (o * s.size + j) * s.inner;
          const float* go = g + o * s.inner;
          for (int64_t i = 0; i < s.inner; ++i) gr[i] += go[i] * factor;
        }
    });
  }
  return out;
}

}  // namespace

Var sum(const Var& x) { return reduce_all(x, false); }
Var mean(const Var& x) { return reduce_all(x, true); }
Var sum(const Var& x, int axis, bool keepdim) { return reduce_axis(x, axis, keepdim, false); }
Var mean(const Var& x, int axis, bool keepdim) { return reduce_axis(x, axis, keepdim, true); }

Var masked_mean(const Var& x, const std::vector<int32_t>& lengths) {
  const int64_t batch = x.dim(0), length = x.dim(1);
  Tensor keep = Tensor::empty({batch, length, 1});
  Tensor inverse_length = Tensor::empty({batch, 1});
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t j = 0; j < length; ++j) keep[b * length + j] = j < lengths[b] ? 1.0f : 0.0f;
    inverse_length[b] = 1.0f / static_cast<float>(std::max(lengths[b], 1));
  }
  return mul(sum(mul(x, Var(keep)), 1), Var(inverse_length));
}

}  // namespace attn
