// The source side of a decoding batch, written once for every model: encode() receives token
// ids per sentence and every model wants them as one right-padded int32 tensor, and the
// training forward wants back how long each row really is.
//
//   Tensor src = pad_sources({{5, 9, 7}, {4}});      // [2, 3]: 5 9 7 / 4 0 0
//   std::vector<int32_t> n = source_lengths(src);     // {3, 1}
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/core/tensor.h"

namespace attn {

// sources as int32 [B, S] on the heap (decoder state outlives any arena), right-padded with
// id 0 (<pad>); S is the longest source, and at least min_length so an empty batch of empty
// sources still has a column.
Tensor pad_sources(const std::vector<std::vector<int32_t>>& sources, int64_t min_length = 1);

// Real tokens per row of a right-padded int32 batch [B, S]: one past the last non-pad id.
std::vector<int32_t> source_lengths(const Tensor& src);

// What every model's training forward takes: src int32 [B, S], tgt_in int32 [B, T] with the
// same B. Anything else is the caller's bug, reported with the model's name.
void check_source(const Tensor& src, const char* model);
void check_target(const Tensor& src, const Tensor& tgt_in, const char* model);

}  // namespace attn
