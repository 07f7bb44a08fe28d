// Additive ("concat") attention scores in one op (Bahdanau et al. 2015, eq. 6; Luong et al.
// 2015's "concat"):
//
//   scores[b, j] = sum_a v[a] * tanh(keys[b, j, a] + query[b, a])
//
//   Var scores = additive_scores(keys, linear_query.forward(state), v.weight);   // [B, S]
//
// The same arithmetic as reshape(matmul(tanh(add(keys, reshape(query, {B, 1, A}))), v^T)),
// but one pass over the [B, S, A] block forward and one backward, where that chain takes a
// broadcasting add, a tanh, an [B·S, A] x [A, 1] product and their backward steps, each a
// pass over the block with its own zero-filled gradient: the RNN decoder scores every source
// position at each of its T steps, so in training this block is the decoder's largest.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var additive_scores(const Var& keys,   // [B, S, A]
                    const Var& query,  // [B, A]
                    const Var& v);     // [1, A] (a Linear(A, 1)'s weight)

}  // namespace attn
