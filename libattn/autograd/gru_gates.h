// The elementwise half of a GRU step (Cho et al. 2014, PyTorch's variant) in one op, given
// the two products the cell computes by GEMM:
//
//   r = σ(gx_r + gh_r),  z = σ(gx_z + gh_z),  n = tanh(gx_n + r ⊙ gh_n),  h' = n + z ⊙ (h - n)
//
//   Var gh = add(matmul(h, weight_hh, false, true), bias_hh);   // [B, 3H], rows r | z | n
//   Var next = gru_gates(gx, gh, h);                              // [B, 3H], [B, 3H], [B, H]
//
// The forward arithmetic is that of the chain of split/add/sigmoid/tanh/mul/sub ops it
// replaces, operation for operation, except that the compiler may now fuse r ⊙ gh_n into
// the add as one multiply-add (a rounding apart). A training step runs a GRU step 120 times
// for the benchmark's RNN (encoder both ways and the decoder's two cells, 30 positions
// each), and the chain's dozen ops, each with its own tape entry, zero-filled gradient and
// pass over memory, cost more than the [B, 3H] x [3H, H] product they follow.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var gru_gates(const Var& gx,  // [B, 3H]: x W_ihᵀ + b_ih
              const Var& gh,  // [B, 3H]: h W_hhᵀ + b_hh
              const Var& h);  // [B, H] -> h' [B, H]

}  // namespace attn
