// Reductions.
//
//   Var total = sum(x);                   // scalar [1]
//   Var per_row = sum(x, -1);             // [..., D] -> [...]
//   Var avg = mean(x, 1, true);           // keepdim: [B, T, D] -> [B, 1, D]
//   Var summary = masked_mean(memory, lengths);  // [B, S, D] -> [B, D], real positions only
//
// Reducing the only axis of a rank-1 tensor gives shape [1], like the whole-tensor forms.
// Whole-tensor sums accumulate in double, so a loss summed over a large batch keeps its
// low bits.
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/autograd/variable.h"

namespace attn {

Var sum(const Var& x);
Var mean(const Var& x);
Var sum(const Var& x, int axis, bool keepdim = false);
Var mean(const Var& x, int axis, bool keepdim = false);

// x [B, S, D] -> [B, D]: each row's mean over its first lengths[b] positions, the padding
// after them zeroed and not counted (an empty row gives zeros). The RNN bridge, the pointer
// network's summary and the caption decoder's initial state all start from it.
Var masked_mean(const Var& x, const std::vector<int32_t>& lengths);

}  // namespace attn
