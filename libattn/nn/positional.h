// Sinusoidal positional encodings (Vaswani et al. 2017, §3.5):
//   PE[p, 2i] = sin(p / 10000^(2i/D)),  PE[p, 2i+1] = cos(p / 10000^(2i/D)).
// Fixed, not learned, so the model can read positions longer than any seen in training.
//
//   Tensor pe = sinusoidal_positions(T, D, offset);   // [T, D], rows offset..offset+T-1
#pragma once

#include "libattn/core/tensor.h"

namespace attn {

Tensor sinusoidal_positions(int64_t length, int64_t dim, int64_t offset = 0);

// The layout of tensor2tensor and Marian: sines in the first half, cosines in the second,
// with H = D/2 timescales spread geometrically from 1 to 10000 (both ends included):
//   PE[p, i] = sin(p * 10000^(-i/(H-1))),  PE[p, H + i] = cos(p * 10000^(-i/(H-1))),  i < H.
// Computed in float as Marian does, so imported models see the very values they trained with.
Tensor sinusoidal_positions_halves(int64_t length, int64_t dim, int64_t offset = 0);

}  // namespace attn
