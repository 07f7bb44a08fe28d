// Layer normalisation over the last axis (Ba et al. 2016):
//   y = (x - mean) / sqrt(var + eps) * gamma + beta
//
//   Var y = layer_norm(x, gamma, beta);   // x [..., D], gamma [D], beta [D]
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var layer_norm(const Var& x, const Var& gamma, const Var& beta, float eps = 1e-5f);

}  // namespace attn
