// Cosine similarity over the last axis, as in NTM content addressing (Graves et al. 2014):
//   cos(a, b) = a·b / (max(|a|, eps) * max(|b|, eps))
//
//   Var sim = cosine_similarity(keys, memory);   // [..., D] with [..., D] (broadcast) -> [...]
//   // NTM read head: key [B, 1, D] against memory [B, N, D] -> [B, N]
//   Var w = cosine_similarity(reshape(key, {B, 1, D}), memory);
//
// The last axes must agree (D); the leading dims broadcast by NumPy rules (aligned at the
// right, a size-1 or missing dim stretches), so [N, D] vs [D], [B, 1, D] vs [B, N, D] and
// [B, M, 1, D] vs [B, 1, N, D] all work. A [B, D] key against a [B, N, D] memory does not
// (B would align with N): give the key its size-1 axis first.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var cosine_similarity(const Var& a, const Var& b, float eps = 1e-8f);

}  // namespace attn
