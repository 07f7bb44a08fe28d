#include "libattn/autograd/shape_ops.h"

#include <algorithm>
#include <cstring>

#include "libattn/autograd/axis.h"
#include "libattn/autograd/tape.h"

namespace attn {

namespace {

bool any_requires_grad(const std::vector<Var>& vars) {
  if (!grad_enabled()) return false;
  return std::any_of(vars.begin(), vars.end(), [](const Var& v) { return v.requires_grad(); });
}

// Lays the parts side by side: each part is [outer, block_k] in memory and the result is
// [outer, sum_k block_k]. Concat and stack are both this with different block sizes.
Var join(const std::vector<Var>& parts, int64_t outer, const std::vector<int64_t>& blocks,
         const Shape& out_shape) {
  std::vector<Tensor> values;
  std::vector<int64_t> offsets;
  int64_t row = 0;
  for (size_t k = 0; k < parts.size(); ++k) {
    values.push_back(parts[k].value().contiguous());
    offsets.push_back(row);
    row += blocks[k];
  }
  Tensor y = Tensor::empty(out_shape);
  float* py = y.data();
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < parts.size(); ++k)
      std::memcpy(py + o * row + offsets[k], values[k].data() + o * blocks[k],
                  sizeof(float) * blocks[k]);
  Var out(y, any_requires_grad(parts));
  if (out.requires_grad()) {
    tape().record([parts, out, outer, blocks, offsets, row]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      for (size_t k = 0; k < parts.size(); ++k) {
        if (!parts[k].requires_grad()) continue;
        float* gp = parts[k].grad().data();
        const int64_t block = blocks[k];
        for (int64_t o = 0; o < outer; ++o) {
          const float* go = g + o * row + offsets[k];
          float* gpo = gp + o * block;
          for (int64_t i = 0; i < block; ++i) gpo[i] += go[i];
        }
      }
    });
  }
  return out;
}

}  // namespace

Var reshape(const Var& x_var, const Shape& shape) {
  // A contiguous value reshapes as a view; only the gradient is copied back, flat.
  const Tensor y = x_var.value().contiguous().view(shape);
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) {
    const int64_t n = y.numel();
    tape().record([x_var, out, n]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      bool accumulate = false;  // a gradient still zero is written (0 + term), not cleared first
      float* gx = x_var.grad_to_write(accumulate).data();
      for (int64_t i = 0; i < n; ++i) gx[i] = (accumulate ? gx[i] : 0.0f) + g[i];
    });
  }
  return out;
}

Var transpose(const Var& x, int axis_a, int axis_b) {
  std::vector<int> order(x.rank());
  for (int d = 0; d < x.rank(); ++d) order[d] = d;
  std::swap(order[normalize_axis(axis_a, x.rank(), "transpose")],
            order[normalize_axis(axis_b, x.rank(), "transpose")]);
  return permute(x, order);
}

Var permute(const Var& x_var, const std::vector<int>& order) {
  const int rank = x_var.rank();
  ATTN_CHECK(static_cast<int>(order.size()) == rank, "permute: order has {} axes, tensor has {}",
             order.size(), rank);
  std::vector<int> inverse(rank, -1);
  for (int d = 0; d < rank; ++d) {
    const int axis = normalize_axis(order[d], rank, "permute");
    ATTN_CHECK(inverse[axis] < 0, "permute: axis {} appears twice", axis);
    inverse[axis] = d;
  }
  const Tensor y = x_var.value().permute(order).contiguous();
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) {
    tape().record([x_var, out, inverse]() {
      if (!out.has_grad()) return;
      // The gradient, permuted back to the input's axis order.
      const Tensor g = out.grad().permute(inverse).contiguous();
      const float* pg = g.data();
      bool accumulate = false;  // as in reshape
      float* gx = x_var.grad_to_write(accumulate).data();
      for (int64_t i = 0, n = g.numel(); i < n; ++i) gx[i] = (accumulate ? gx[i] : 0.0f) + pg[i];
    });
  }
  return out;
}

Var slice(const Var& x_var, int axis, int64_t begin, int64_t end) {
  axis = normalize_axis(axis, x_var.rank(), "slice");
  const Tensor y = x_var.value().slice(axis, begin, end).contiguous();
  Var out(y, needs_grad(x_var));
  if (out.requires_grad()) {
    const AxisSplit s = split_at_axis(x_var.shape(), axis);
    const int64_t length = end - begin;
    tape().record([x_var, out, s, begin, length]() {
      if (!out.has_grad()) return;
      const float* g = out.grad().data();
      float* gx = x_var.grad().data();
      const int64_t block = length * s.inner;
      for (int64_t o = 0; o < s.outer; ++o) {
        float* gxo = gx + (o * s.size + begin) * s.inner;
        const float* go = g + o * block;
        for (int64_t i = 0; i < block; ++i) gxo[i] += go[i];
      }
    });
  }
  return out;
}

std::vector<Var> split(const Var& x, int axis, const std::vector<int64_t>& sizes) {
  axis = normalize_axis(axis, x.rank(), "split");
  int64_t total = 0;
  for (int64_t size : sizes) total += size;
  ATTN_CHECK(total == x.dim(axis), "split: sizes add up to {}, axis {} of {} has {}", total, axis,
             shape_str(x.shape()), x.dim(axis));
  std::vector<Var> parts;
  int64_t begin = 0;
  for (int64_t size : sizes) {
    parts.push_back(slice(x, axis, begin, begin + size));
    begin += size;
  }
  return parts;
}

Var concat(const std::vector<Var>& parts, int axis) {
  ATTN_CHECK(!parts.empty(), "concat: no parts");
  const Shape& first = parts[0].shape();
  axis = normalize_axis(axis, static_cast<int>(first.size()), "concat");
  Shape out_shape = first;
  out_shape[axis] = 0;
  std::vector<int64_t> blocks;
  const AxisSplit s = split_at_axis(first, axis);
  for (const Var& part : parts) {
    Shape expect = first;
    expect[axis] = part.rank() == static_cast<int>(first.size()) ? part.dim(axis) : -1;
    ATTN_CHECK(part.shape() == expect, "concat: part {} does not match {} off axis {}",
               shape_str(part.shape()), shape_str(first), axis);
    out_shape[axis] += part.dim(axis);
    blocks.push_back(part.dim(axis) * s.inner);
  }
  return join(parts, s.outer, blocks, out_shape);
}

Var stack(const std::vector<Var>& parts, int axis) {
  ATTN_CHECK(!parts.empty(), "stack: no parts");
  const Shape& first = parts[0].shape();
  axis = normalize_axis(axis, static_cast<int>(first.size()) + 1, "stack");
  for (const Var& part : parts)
    ATTN_CHECK(part.shape() == first, "stack: part {} differs from {}", shape_str(part.shape()),
               shape_str(first));
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= first[d];
  const int64_t block = outer == 0 ? 0 : shape_numel(first) / outer;
  Shape out_shape = first;
  out_shape.insert(out_shape.begin() + axis, static_cast<int64_t>(parts.size()));
  return join(parts, outer, std::vector<int64_t>(parts.size(), block), out_shape);
}

}  // namespace attn
