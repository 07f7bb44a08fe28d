// Self-attention keys and values while decoding, and the attention step over them.
//
//   SelfAttentionCache cache;
//   cache.append(k, v);                            // this step's [rows, 1, D] keys and values
//   Tensor context = cache.attend(q, heads, scale);  // [rows, 1, D]
//   cache.reorder({0, 0, 1});                      // beam search: row i continues old row
//
// Each position's keys and values are stored once, as written ([rows then, H, D/H]), and never
// move: a beam reorder rewrites each row's table of which row of position p holds its history
// (length ints a row), where copying the caches moved length x D floats a row, twice a layer
// (measured: memmove was 5% of beam-5 x 32 decoding).
//
// attend() is the whole step of scaled dot-product attention in one parallel loop over (row,
// head): scores, softmax and the weighted sum of values, in exactly the arithmetic of
// scaled_dot_product_attention (the same dot products, softmax_row, and sum order), so outputs
// are unchanged bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/core/tensor.h"

namespace attn {

class SelfAttentionCache {
 public:
  // k, v: [rows, 1, D] (or anything holding rows x D contiguous floats in that order).
  void append(const Tensor& k, const Tensor& v);
  // Row i becomes old row rows[i].
  void reorder(const std::vector<int32_t>& rows);
  // q [rows, 1, D] -> softmax(scale q K^T) V per head over each row's own history, [rows, 1, D].
  Tensor attend(const Tensor& q, int64_t heads, float scale) const;
  int64_t length() const { return static_cast<int64_t>(keys_.size()); }

 private:
  std::vector<Tensor> keys_, values_;  // position p: [rows at p, D], heap
  std::vector<int32_t> origin_;        // [rows_, capacity_]: the row of position p holding row r's
  std::vector<int32_t> spare_origin_;  // the last reorder's source, reused
  int64_t rows_ = 0, width_ = 0, capacity_ = 0;
};

}  // namespace attn
