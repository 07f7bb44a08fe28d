// y = x Wᵀ + b as one op (torch.nn.functional.linear):
//
//   Var y = linear(x, weight, bias);   // x [..., in], weight [out, in], bias [out] -> [..., out]
//
// The same arithmetic as add(matmul(x, weight, false, true), bias), bit for bit (the bias is
// added to the finished product, rows in order; backward passes the output's gradient
// straight to the product's GEMMs and sums it over rows for the bias), without the chain's
// second [..., out] tensor, its zero-filled gradient and the copy of the gradient into it:
// Linear layers, the feed-forward blocks and the RNN cells' recurrent products take this
// path dozens of times a training step.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var linear(const Var& x, const Var& weight, const Var& bias);

}  // namespace attn
