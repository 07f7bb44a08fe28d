// Inverted dropout (Srivastava et al. 2014): in training, zero each element with
// probability p and scale survivors by 1/(1-p), so inference is the identity.
//
//   Var h = dropout(x, 0.1f, rng, training);
#pragma once

#include "libattn/autograd/variable.h"
#include "libattn/core/rng.h"

namespace attn {

Var dropout(const Var& x, float p, Rng& rng, bool training);

}  // namespace attn
