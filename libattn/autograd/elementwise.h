// Elementwise arithmetic with NumPy broadcasting, and pointwise functions.
//
//   Var h = tanh(add(matmul(x, w1, false, true), b1));   // b1 [O] broadcasts over [B, T, O]
//   Var gate = sigmoid(z);
//   Var mixed = add(mul(gate, a), mul(add_scalar(scale(gate, -1.0f), 1.0f), b));
//
// Broadcasting follows NumPy: shapes align at the right, a size-1 or missing dim stretches.
// Backward sums the gradient over the stretched dims.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);
Var scale(const Var& a, float factor);
Var add_scalar(const Var& a, float value);

Var tanh(const Var& x);
Var sigmoid(const Var& x);
Var relu(const Var& x);
Var gelu(const Var& x);  // tanh approximation (Hendrycks & Gimpel 2016), as in BERT/GPT-2
Var exp(const Var& x);
Var log(const Var& x);

}  // namespace attn
