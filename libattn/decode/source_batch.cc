#include "libattn/decode/source_batch.h"

#include <algorithm>

#include "libattn/core/error.h"

namespace attn {

Tensor pad_sources(const std::vector<std::vector<int32_t>>& sources, int64_t min_length) {
  int64_t length = min_length;
  for (const auto& s : sources) length = std::max(length, static_cast<int64_t>(s.size()));
  const int64_t batch = static_cast<int64_t>(sources.size());
  Tensor src = Tensor::zeros_heap({batch, length}, DType::kI32);
  for (int64_t b = 0; b < batch; ++b)
    std::copy(sources[b].begin(), sources[b].end(), src.ints() + b * length);
  return src;
}

std::vector<int32_t> source_lengths(const Tensor& src) {
  const int64_t batch = src.dim(0), length = src.dim(1);
  std::vector<int32_t> lengths(batch, 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = length; j > 0; --j)
      if (src.ints()[b * length + j - 1] != 0) {
        lengths[b] = static_cast<int32_t>(j);
        break;
      }
  return lengths;
}

void check_source(const Tensor& src, const char* model) {
  ATTN_CHECK(src.rank() == 2 && src.dtype() == DType::kI32,
             "{}: source must be int32 [B, S], got {} {}", model, dtype_name(src.dtype()),
             shape_str(src.shape()));
}

void check_target(const Tensor& src, const Tensor& tgt_in, const char* model) {
  ATTN_CHECK(tgt_in.rank() == 2 && tgt_in.dtype() == DType::kI32 && tgt_in.dim(0) == src.dim(0),
             "{}: target must be int32 [B, T] with the source's B, got {} {}", model,
             dtype_name(tgt_in.dtype()), shape_str(tgt_in.shape()));
}

}  // namespace attn
