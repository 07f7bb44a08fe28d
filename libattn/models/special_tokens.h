// How a model treats the special tokens, where models trained elsewhere differ from attn's own:
// Marian's encoders read every source with </s> at its end, and its vocabularies have no <pad>
// or <s> to predict.
//
//   Tensor src = with_source_eos(padded);   // [B, S] -> [B, S + 1], </s> after each row's tokens
//   logits = add(logits, Var(no_pad_bos_mask(vocab)));   // <pad>, <s>: -inf
#pragma once

#include <cstdint>

#include "libattn/core/tensor.h"

namespace attn {

// Right-padded int32 ids [B, S] -> [B, S + 1] with Vocabulary::kEos after each row's last token.
Tensor with_source_eos(const Tensor& src);

// [V]: -inf at <pad> and <s>, 0 elsewhere; added to logits, those two take no probability.
Tensor no_pad_bos_mask(int64_t vocab);

}  // namespace attn
