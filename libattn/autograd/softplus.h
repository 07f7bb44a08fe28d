// softplus(x) = log(1 + e^x): a smooth, always positive map, used where a network must emit
// a positive scalar, as the NTM's key strength β and sharpening γ = 1 + softplus (Graves et
// al. 2014, §3.3.1 and §3.3.2).
//
//   Var beta = softplus(raw);   // any shape, elementwise
//
// Computed as max(x, 0) + log1p(e^-|x|), so a large |x| neither overflows nor loses x.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var softplus(const Var& x);

}  // namespace attn
