// Additive attention masks: 0 where a query may look, -infinity where it may not. They are
// added to the scores inside the softmax kernel, so masked positions get exactly zero weight.
//
//   Tensor pad = padding_mask(src_ids, kPadId);   // [B, 1, 1, S]: hides padded keys
//   Tensor causal = causal_mask(T);               // [T, T]: query t sees keys <= t
#pragma once

#include "libattn/core/tensor.h"

namespace attn {

Tensor padding_mask(const Tensor& ids, int32_t pad_id);  // ids int32 [B, S] -> [B, 1, 1, S]
Tensor causal_mask(int64_t length);                        // [T, T]
// Causal and padding together for decoder self-attention: [B, 1, T, T].
Tensor causal_padding_mask(const Tensor& ids, int32_t pad_id);

}  // namespace attn
