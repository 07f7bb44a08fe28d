// Fused scaled dot-product attention (Vaswani et al. 2017, §3.2.1):
//   out = softmax(q kᵀ · scale + mask) v
// as two batched GEMMs around one masked softmax; never a loop of dot products.
//
//   Tensor weights;   // optional: the attention probabilities, for alignments and pictures
//   Var out = scaled_dot_product_attention(q, k, v, mask, 1.0f / std::sqrt(dk), &weights);
//   // q [B, H, T, E], k [B, H, S, E], v [B, H, S, F], mask additive, broadcast to [B, H, T, S]
//   // out [B, H, T, F], weights [B, H, T, S]
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var scaled_dot_product_attention(const Var& q, const Var& k, const Var& v, const Tensor& mask,
                                 float scale, Tensor* weights = nullptr);

}  // namespace attn
