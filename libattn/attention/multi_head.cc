#include "libattn/attention/multi_head.h"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <vector>

#include "libattn/autograd/attention.h"
#include "libattn/autograd/shape_ops.h"
#include "libattn/core/error.h"
#include "libattn/core/threads.h"
#include "libattn/kernels/row_reduce.h"
#include "libattn/kernels/softmax.h"

namespace attn {

namespace {

// target[i, :, 0:length, :] = source[rows[i], :, 0:length, :], both [rows, H, capacity, W].
void gather_prefix(const Tensor& source, Tensor& target, const std::vector<int32_t>& rows,
                   int64_t length) {
  const int64_t heads = source.dim(1), capacity = source.dim(2), width = source.dim(3);
  const int64_t head_stride = capacity * width, row_stride = heads * head_stride;
  const float* from = source.data();
  float* to = target.data();
  for (size_t i = 0; i < rows.size(); ++i) {
    ATTN_CHECK(rows[i] >= 0 && rows[i] < source.dim(0), "KeyValueCache::reorder: row {} of {}",
               rows[i], source.dim(0));
    const float* from_row = from + rows[i] * row_stride;
    float* to_row = to + static_cast<int64_t>(i) * row_stride;
    if (length == capacity) {
      std::memcpy(to_row, from_row, row_stride * sizeof(float));
      continue;
    }
    for (int64_t h = 0; h < heads; ++h)
      std::memcpy(to_row + h * head_stride, from_row + h * head_stride,
                  length * width * sizeof(float));
  }
}

}  // namespace

void KeyValueCache::reorder(const std::vector<int32_t>& rows) {
  if (!keys.defined()) return;
  Shape shape = keys.shape();
  shape[0] = static_cast<int64_t>(rows.size());
  if (!spare_keys_.defined() || spare_keys_.shape() != shape) {
    spare_keys_ = Tensor::empty_heap(shape);
    spare_values_ = Tensor::empty_heap(shape);
  }
  gather_prefix(keys, spare_keys_, rows, length);
  gather_prefix(values, spare_values_, rows, length);
  std::swap(keys, spare_keys_);
  std::swap(values, spare_values_);
}

MultiHeadAttention::MultiHeadAttention(int64_t dim, int64_t num_heads, Rng& rng)
    : q_proj(dim, dim, rng),
      k_proj(dim, dim, rng),
      v_proj(dim, dim, rng),
      out_proj(dim, dim, rng),
      heads(num_heads) {
  ATTN_CHECK(dim % num_heads == 0, "model width {} is not divisible by {} heads", dim, num_heads);
}

Var MultiHeadAttention::split_heads(const Var& x) const {
  const int64_t batch = x.dim(0), length = x.dim(1), dim = x.dim(2);
  return transpose(reshape(x, {batch, length, heads, dim / heads}), 1, 2);
}

Var MultiHeadAttention::merge_heads(const Var& x) const {
  const int64_t batch = x.dim(0), length = x.dim(2), width = x.dim(3);
  return reshape(transpose(x, 1, 2), {batch, length, heads * width});
}

Var MultiHeadAttention::forward(const Var& query, const Var& key_value, const Tensor& mask,
                                const ForwardMode&, Tensor* weights) const {
  Var q = split_heads(q_proj.forward(query));
  Var k = split_heads(k_proj.forward(key_value));
  Var v = split_heads(v_proj.forward(key_value));
  const float scale = 1.0f / std::sqrt(static_cast<float>(q.dim(3)));
  Var context = scaled_dot_product_attention(q, k, v, mask, scale, weights);
  return out_proj.forward(merge_heads(context));
}

Var MultiHeadAttention::forward_step(const Var& query, SelfAttentionCache& cache) const {
  const Tensor q = q_proj.forward(query).value();
  cache.append(k_proj.forward(query).value(), v_proj.forward(query).value());
  const float scale = 1.0f / std::sqrt(static_cast<float>(q.dim(2) / heads));
  return out_proj.forward(Var(cache.attend(q, heads, scale)));
}

KeyValueCache MultiHeadAttention::project_memory(const Var& memory) const {
  KeyValueCache cache;
  cache.keys = split_heads(k_proj.forward(memory)).value().clone_heap();
  cache.values = split_heads(v_proj.forward(memory)).value().clone_heap();
  cache.length = cache.keys.dim(2);
  return cache;
}

namespace {

// One decoding step of cross-attention, query [rows, 1, D] over keys and values [rows, H, S,
// D/H] with mask [rows, 1, 1, S]: one parallel loop over (row, head) where the general path
// takes three (scores, softmax, weighted sum), each waking the pool. The arithmetic is
// scaled_dot_product_attention's, operation for operation (gemm's alpha * dot + 0, the masked
// softmax_row, the rows of V summed in order), so the results are the same bits.
// row_sentence: null (memory row r for query row r) or which memory row each query row reads.
Tensor attend_memory(const Tensor& q, const KeyValueCache& memory, const Tensor& mask,
                     int64_t heads, float scale, Tensor* weights,
                     const std::vector<int32_t>* row_sentence) {
  const int64_t rows = q.dim(0), length = memory.keys.dim(2);
  const int64_t width = memory.keys.dim(3), dim = heads * width;
  Tensor out = Tensor::empty({rows, 1, dim});
  Tensor probs;
  if (weights) probs = Tensor::empty({rows, heads, 1, length});
  const float* query = q.data();
  const float* keys = memory.keys.data();
  const float* values = memory.values.data();
  const float* mask_data = mask.data();
  float* context = out.data();
  const int64_t min_pairs = std::max<int64_t>(1, 8192 / (length * width));
  parallel_for(
      rows * heads,
      [&](int64_t begin, int64_t end) {
        std::vector<float> scratch(weights ? 0 : length);
        for (int64_t pair = begin; pair < end; ++pair) {
          const int64_t r = pair / heads;
          const int64_t m = row_sentence ? (*row_sentence)[r] : r;  // memory row
          const int64_t memory_pair = m * heads + pair % heads;
          float* scores = weights ? probs.data() + pair * length : scratch.data();
          const float* q_rh = query + pair * width;  // [rows, 1, H, W] = [rows, H, W]
          const float* k_rh = keys + memory_pair * length * width;
          for (int64_t p = 0; p < length; ++p)
            scores[p] = scale * row_dot(q_rh, k_rh + p * width, width) + 0.0f;
          softmax_row(scores, mask_data + m * length, scores, length);
          float* c = context + pair * width;
          std::fill(c, c + width, 0.0f);
          const float* v_rh = values + memory_pair * length * width;
          for (int64_t p = 0; p < length; ++p) {
            const float weight = 1.0f * scores[p];
            const float* value = v_rh + p * width;
            for (int64_t j = 0; j < width; ++j) c[j] += weight * value[j];
          }
        }
      },
      min_pairs);
  if (weights) *weights = probs;
  return out;
}

}  // namespace

Var MultiHeadAttention::forward_cached(const Var& query, const KeyValueCache& memory,
                                       const Tensor& mask, Tensor* weights,
                                       const std::vector<int32_t>* row_sentence) const {
  const Tensor projected = q_proj.forward(query).value().contiguous();
  const int64_t memory_rows = memory.keys.dim(0), width = memory.keys.dim(3);
  const int64_t rows = row_sentence ? static_cast<int64_t>(row_sentence->size()) : memory_rows;
  const float scale = 1.0f / std::sqrt(static_cast<float>(width));
  if (projected.rank() == 3 && projected.dim(0) == rows && projected.dim(1) == 1 &&
      memory.keys.is_contiguous() && memory.values.is_contiguous() && mask.defined() &&
      mask.is_contiguous() && mask.dtype() == DType::kF32 &&
      mask.shape() == Shape{memory_rows, 1, 1, memory.keys.dim(2)})
    return out_proj.forward(
        Var(attend_memory(projected, memory, mask, heads, scale, weights, row_sentence)));
  Var q = split_heads(Var(projected));
  if (row_sentence) {  // the general path wants one memory row per query row
    Var context = scaled_dot_product_attention(
        q, Var(memory.keys.gather_rows(*row_sentence)),
        Var(memory.values.gather_rows(*row_sentence)), mask.gather_rows(*row_sentence), scale,
        weights);
    return out_proj.forward(merge_heads(context));
  }
  Var context = scaled_dot_product_attention(q, Var(memory.keys), Var(memory.values), mask, scale,
                                             weights);
  return out_proj.forward(merge_heads(context));
}

void MultiHeadAttention::collect_parameters(const std::string& prefix,
                                            NamedParameters& out) const {
  q_proj.collect_parameters(join_name(prefix, "q_proj"), out);
  k_proj.collect_parameters(join_name(prefix, "k_proj"), out);
  v_proj.collect_parameters(join_name(prefix, "v_proj"), out);
  out_proj.collect_parameters(join_name(prefix, "out_proj"), out);
}

}  // namespace attn
