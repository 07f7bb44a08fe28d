// Causal dilated 1-D convolution over time (WaveNet; SNAIL's TC block):
//   y[b, t, o] = bias[o] + sum_{c, j} w[o, c, j] * x[b, t - (K-1-j)·dilation, c]
// Positions before the start are zeros, so y[t] sees only x[<= t].
//
//   Var y = causal_conv1d(x, w, bias, 2);   // x [B, T, C], w [O, C, K], bias [O] -> [B, T, O]
//   Var z = causal_conv1d(x, w, Var(), 1);  // no bias
//
// Computed as one GEMM over an im2col copy of x ([B·T, K·C]), so the cost is K times x's
// memory for one step and the arithmetic runs in OpenBLAS.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var causal_conv1d(const Var& x, const Var& weight, const Var& bias, int dilation);

}  // namespace attn
