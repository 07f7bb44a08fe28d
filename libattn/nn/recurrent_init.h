// PyTorch's initialisation for recurrent cells: every weight and bias U(-k, k) with
// k = 1/sqrt(H), so a freshly built GRU or LSTM starts where torch.nn.GRU/LSTM would.
//
//   Var w = recurrent_uniform({4 * H, in}, H, rng);
#pragma once

#include <cmath>

#include "libattn/autograd/variable.h"
#include "libattn/core/rng.h"

namespace attn {

inline Var recurrent_uniform(const Shape& shape, int64_t hidden_size, Rng& rng) {
  Tensor t = Tensor::empty_heap(shape);
  const float bound = 1.0f / std::sqrt(static_cast<float>(hidden_size));
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = (2.0f * rng.uniform() - 1.0f) * bound;
  return Var::parameter(t);
}

}  // namespace attn
