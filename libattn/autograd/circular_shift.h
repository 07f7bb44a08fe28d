// Circular convolution of a weighting with a shift distribution: the NTM's location-based
// shift (Graves et al. 2014, eq. 8), w̃(i) = Σ_j w(j) s(i - j), with the shift kernel over
// the offsets -R..R only:
//   out[b, i] = Σ_{k=0}^{2R} s[b, k] · w[b, (i - (k - R)) mod N]
//
//   Var shifted = circular_shift(w, s);   // w [B, N], s [B, 2R + 1] -> [B, N]
//   // s = (0, 0, 1) moves every weight one slot forward: out[i] = w[i - 1].
//
// Offsets wrap around the N slots, so a head that walks past the last slot comes back to
// the first. N >= 2R + 1 keeps the offsets distinct.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var circular_shift(const Var& weights, const Var& shift);

}  // namespace attn
