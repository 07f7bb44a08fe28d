// Sinusoidal positional encodings (Vaswani et al. 2017, §3.5):
//   PE[p, 2i] = sin(p / 10000^(2i/D)),  PE[p, 2i+1] = cos(p / 10000^(2i/D)).
// Fixed, not learned, so the model can read positions longer than any seen in training.
//
//   Tensor pe = sinusoidal_positions(T, D, offset);   // [T, D], rows offset..offset+T-1
#pragma once

#include "libattn/core/tensor.h"

namespace attn {

Tensor sinusoidal_positions(int64_t length, int64_t dim, int64_t offset = 0);

}  // namespace attn
