// Fused scaled dot-product attention (Vaswani et al. 2017, §3.2.1):
//   out = softmax(q kᵀ · scale + mask) v
// as two batched GEMMs around one masked softmax; never a loop of dot products.
//
//   Tensor weights;   // optional: the attention probabilities, for alignments and pictures
//   Var out = scaled_dot_product_attention(q, k, v, mask, 1.0f / std::sqrt(dk), &weights);
//   // q [B, H, T, E], k [B, H, S, E], v [B, H, S, F], mask additive, broadcast to [B, H, T, S]
//   // out [B, H, T, F], weights [B, H, T, S]
//
// The mask is additive (0 keeps, -infinity removes), no gradient, and broadcasts to
// [B, H, T, S] with NumPy rules except that its last dim must be S: an undefined Tensor
// (no mask), a causal [T, S], a padding [B, 1, 1, S], a per-example [B, 1, T, S] or a full
// [B, H, T, S]. A query row with every position masked attends to nothing: its weights and
// output are zeros, never NaN. Backward reuses the saved probabilities (the [B, H, T, S]
// `weights`, which shares their storage: read it, do not write it), not the scores.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var scaled_dot_product_attention(const Var& q, const Var& k, const Var& v, const Tensor& mask,
                                 float scale, Tensor* weights = nullptr);

}  // namespace attn
