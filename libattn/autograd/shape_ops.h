// Shape changes with gradients. Results are contiguous (a copy when a view would not be).
//
//   Var heads = transpose(reshape(x, {B, T, H, D / H}), 1, 2);   // [B, H, T, D/H]
//   Var both = concat({forward_states, backward_states}, -1);     // [B, T, 2D]
//   auto parts = split(gates, -1, {D, D, D});                     // three [B, D]
#pragma once

#include <vector>

#include "libattn/autograd/variable.h"

namespace attn {

Var reshape(const Var& x, const Shape& shape);  // one dim may be -1
Var transpose(const Var& x, int axis_a, int axis_b);
Var permute(const Var& x, const std::vector<int>& order);
Var slice(const Var& x, int axis, int64_t begin, int64_t end);
std::vector<Var> split(const Var& x, int axis, const std::vector<int64_t>& sizes);
Var concat(const std::vector<Var>& parts, int axis);
Var stack(const std::vector<Var>& parts, int axis);  // new axis; all parts the same shape

}  // namespace attn
