// Row lookups by integer index; backward scatter-adds into the table.
//
//   Var e = embedding(table, ids);        // table [V, D], ids int32 [B, T] -> [B, T, D]
//   Var picked = gather(x, index);        // x [..., N], index int32 [..., M] -> [..., M]
//
// gather follows torch.gather on the last axis: out[..., m] = x[..., index[..., m]].
// Indices out of range throw.
#pragma once

#include "libattn/autograd/variable.h"

namespace attn {

Var embedding(const Var& table, const Tensor& ids);
Var gather(const Var& x, const Tensor& index);

}  // namespace attn
