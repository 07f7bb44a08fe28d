// Softmax family over the last axis.
//
//   Var p = softmax(scores);                         // [..., S]
//   Var lp = log_softmax(logits);                    // [..., V]
//   Var a = masked_softmax(scores, mask);            // mask: additive, 0 or -inf, broadcast
//
// `mask` is an additive constant (no gradient) whose shape broadcasts to `scores` (NumPy
// rules): 0 keeps a position, -infinity removes it. A row whose every position is masked
// gives all zeros rather than NaN, so a fully padded query cannot poison the batch.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var softmax(const Var& x);
Var log_softmax(const Var& x);
Var masked_softmax(const Var& x, const Tensor& mask);

}  // namespace attn
