// Reductions.
//
//   Var total = sum(x);                   // scalar [1]
//   Var per_row = sum(x, -1);             // [..., D] -> [...]
//   Var avg = mean(x, 1, true);           // keepdim: [B, T, D] -> [B, 1, D]
//
// Reducing the only axis of a rank-1 tensor gives shape [1], like the whole-tensor forms.
// Whole-tensor sums accumulate in double, so a loss summed over a large batch keeps its
// low bits.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var sum(const Var& x);
Var mean(const Var& x);
Var sum(const Var& x, int axis, bool keepdim = false);
Var mean(const Var& x, int axis, bool keepdim = false);

}  // namespace attn
