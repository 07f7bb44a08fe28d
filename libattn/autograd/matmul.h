// Matrix products with gradients.
//
//   Var y = matmul(x, w, false, true);          // x [B, T, D] · w[O, D]^T -> [B, T, O]
//   Var s = batched_matmul(q, k, false, true);  // [N, T, E] · [N, S, E]^T -> [N, T, S]
//
// matmul: `a` may have leading dimensions; they are flattened into rows (a Linear layer).
// batched_matmul: both operands are [N, rows, cols] (or [B, H, rows, cols]: leading dims
// flattened into N), one GEMM per batch entry.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);
Var batched_matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);

}  // namespace attn
