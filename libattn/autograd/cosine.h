// Cosine similarity over the last axis, as in NTM content addressing (Graves et al. 2014):
//   cos(a, b) = a·b / (max(|a|, eps) * max(|b|, eps))
//
//   Var sim = cosine_similarity(keys, memory);   // [..., D] with [..., D] (broadcast) -> [...]
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var cosine_similarity(const Var& a, const Var& b, float eps = 1e-8f);

}  // namespace attn
