#include "libattn/attention/self_attention_cache.h"

#include <algorithm>

#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/row_reduce.h"
#include "libattn/kernels/softmax.h"

namespace attn {

void SelfAttentionCache::append(const Tensor& k, const Tensor& v) {
  const int64_t rows = k.dim(0), width = k.dim(k.rank() - 1);
  ATTN_CHECK(k.numel() == rows * width && v.numel() == k.numel(),
             "SelfAttentionCache::append: keys {} and values {} are not [rows, 1, D]",
             shape_str(k.shape()), shape_str(v.shape()));
  if (keys_.empty()) {
    rows_ = rows;
    width_ = width;
  }
  ATTN_CHECK(rows == rows_ && width == width_,
             "SelfAttentionCache::append: [{}, {}] after [{}, {}]", rows, width, rows_, width_);
  const int64_t position = length();
  if (position == capacity_) {
    // Grow the table by doubling; the floats themselves never move.
    const int64_t capacity = std::max<int64_t>(16, 2 * capacity_);
    std::vector<int32_t> origin(rows_ * capacity);
    for (int64_t r = 0; r < rows_; ++r)
      std::copy_n(origin_.begin() + r * capacity_, position, origin.begin() + r * capacity);
    origin_ = std::move(origin);
    capacity_ = capacity;
  }
  for (int64_t r = 0; r < rows_; ++r) origin_[r * capacity_ + position] = static_cast<int32_t>(r);
  keys_.push_back(k.contiguous().clone_heap());
  values_.push_back(v.contiguous().clone_heap());
}

void SelfAttentionCache::reorder(const std::vector<int32_t>& rows) {
  if (keys_.empty()) return;
  const auto new_rows = static_cast<int64_t>(rows.size());
  spare_origin_.resize(new_rows * capacity_);
  for (int64_t i = 0; i < new_rows; ++i) {
    ATTN_CHECK(rows[i] >= 0 && rows[i] < rows_, "SelfAttentionCache::reorder: row {} of {}",
               rows[i], rows_);
    std::copy_n(origin_.begin() + rows[i] * capacity_, length(),
                spare_origin_.begin() + i * capacity_);
  }
  std::swap(origin_, spare_origin_);
  rows_ = new_rows;
}

Tensor SelfAttentionCache::attend(const Tensor& q_in, int64_t heads, float scale) const {
  const Tensor q = q_in.contiguous();
  const int64_t length = this->length(), width = width_ / heads;
  ATTN_CHECK(length > 0 && q.numel() == rows_ * width_ && width * heads == width_,
             "SelfAttentionCache::attend: query {} for {} rows of width {}, {} heads, {} positions",
             shape_str(q.shape()), rows_, width_, heads, length);
  Tensor out = Tensor::empty({rows_, 1, width_});
  const float* query = q.data();
  float* context = out.data();
  // Enough (row, head) pairs a chunk that waking a worker pays (one pair: ~4 x length x width
  // flops).
  const int64_t min_pairs = std::max<int64_t>(1, 8192 / (length * width));
  parallel_for(
      rows_ * heads,
      [&](int64_t begin, int64_t end) {
        std::vector<float> scores(length);
        for (int64_t pair = begin; pair < end; ++pair) {
          const int64_t r = pair / heads, h = pair % heads;
          const float* q_rh = query + r * width_ + h * width;
          const int32_t* origin = origin_.data() + r * capacity_;
          // What scaled_dot_product_attention computes for one query row, operation for
          // operation: gemm's alpha * dot + 0 (beta 0), softmax_row, then the weighted rows
          // of V summed in position order from 0.
          for (int64_t p = 0; p < length; ++p) {
            const float* key = keys_[p].data() + origin[p] * width_ + h * width;
            scores[p] = scale * row_dot(q_rh, key, width) + 0.0f;
          }
          softmax_row(scores.data(), nullptr, scores.data(), length);
          float* c = context + r * width_ + h * width;
          std::fill(c, c + width, 0.0f);
          for (int64_t p = 0; p < length; ++p) {
            const float weight = 1.0f * scores[p];
            const float* value = values_[p].data() + origin[p] * width_ + h * width;
            for (int64_t j = 0; j < width; ++j) c[j] += weight * value[j];
          }
        }
      },
      min_pairs);
  return out;
}

}  // namespace attn
