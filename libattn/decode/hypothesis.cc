#include "libattn/decode/hypothesis.h"

#include <algorithm>
#include <cmath>

#include "libattn/core/error.h"

namespace attn {

double normalized_score(double score, int64_t tokens, float length_penalty, float word_penalty) {
  const double length = static_cast<double>(tokens + 1);
  const double penalized = score - static_cast<double>(word_penalty) * length;
  if (length_penalty == 0.0f) return penalized;
  return penalized / std::pow(length, static_cast<double>(length_penalty));
}

int64_t max_output_length(const BeamOptions& options, int64_t source_length) {
  ATTN_CHECK(options.max_length >= 0, "max_length must be >= 0, got {}", options.max_length);
  int64_t limit = options.max_length;
  if (options.max_length_factor > 0) {
    const auto by_source = static_cast<int64_t>(
        std::ceil(static_cast<double>(options.max_length_factor) * source_length));
    limit = std::min(limit, by_source);
  }
  return limit;
}

std::vector<float> source_attention_row(const Tensor& attention, int64_t row,
                                        int64_t source_length) {
  if (!attention.defined()) return {};
  ATTN_CHECK(attention.rank() == 2 && row < attention.dim(0),
             "decoder attention: expected [rows, S] with row {}, got {}", row,
             shape_str(attention.shape()));
  const int64_t columns = std::min(source_length, attention.dim(1));
  Tensor row_view = attention.select(0, row).slice(0, 0, columns);
  return row_view.to_vector();
}

void forbid_unemittable(Tensor& log_probs, int32_t bos_id, int32_t pad_id, int32_t unk_id) {
  const int64_t rows = log_probs.dim(0), vocab = log_probs.dim(1);
  float* p = log_probs.data();
  for (int64_t r = 0; r < rows; ++r) {
    if (bos_id >= 0 && bos_id < vocab) p[r * vocab + bos_id] = -INFINITY;
    if (pad_id >= 0 && pad_id < vocab) p[r * vocab + pad_id] = -INFINITY;
    if (unk_id >= 0 && unk_id < vocab) p[r * vocab + unk_id] = -INFINITY;
  }
}

}  // namespace attn
