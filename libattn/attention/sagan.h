// Self-attention over a 2-D feature map (SAGAN: Zhang et al. 2018, §3): every position
// attends to every other, so one layer connects cells a convolution stack would need many
// layers to reach. The map is flattened to P = H·W positions; the paper's 1×1 convolutions
// are matmuls over the channel axis:
//   f(x) = W_f x,  g(x) = W_g x,  h(x) = W_h x      [B, P, C̄]   (C̄ = C/8 in the paper)
//   s_ij = f(x_i)ᵀ g(x_j),  β_j,i = softmax_i(s_ij)  [B, P, P]   position j attends over i
//   o_j  = W_v Σ_i β_j,i h(x_i)                     [B, P, C]
//   y    = γ · o + x                                γ a learned scalar, initialised to 0
// With γ = 0 the block starts as the identity, so the network first relies on local cues and
// learns to weigh in non-local evidence as γ grows (§3).
//
//   SelfAttention2d attention(/*channels=*/64, /*key_width=*/8, rng);
//   Tensor beta;
//   Var y = attention.forward(x, &beta);   // x [B, H·W, C] -> [B, H·W, C]; beta [B, P, P]
#pragma once

#include <string>

#include "libattn/nn/linear.h"

namespace attn {

struct SelfAttention2d {
  Linear f;   // query projection W_f [C̄, C], no bias (a 1×1 conv)
  Linear g;   // key projection W_g [C̄, C]
  Linear h;   // value projection W_h [C̄, C]
  Linear v;   // output projection W_v [C, C̄]
  Var gamma;  // [1], starts at 0

  SelfAttention2d() = default;
  SelfAttention2d(int64_t channels, int64_t key_width, Rng& rng);
  // x [B, P, C] -> [B, P, C]. `attention`, when given, receives β [B, P, P] (row j: where
  // position j looked).
  Var forward(const Var& x, Tensor* attention = nullptr) const;
  void collect_parameters(const std::string& prefix, NamedParameters& out) const;
};

}  // namespace attn
