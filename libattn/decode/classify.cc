#include "libattn/decode/classify.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "libattn/data/vocab.h"

namespace attn {

std::vector<Classification> classify(DecoderModel& model,
                                     const std::vector<std::vector<int32_t>>& sources,
                                     size_t n_best) {
  auto state = model.encode(sources);
  Tensor attention;
  const std::vector<int32_t> bos(sources.size(), model.bos_id());
  const Tensor log_probs = model.step(*state, bos, &attention).contiguous();
  const int64_t vocab = log_probs.dim(1);
  std::vector<Classification> out(sources.size());
  for (size_t r = 0; r < sources.size(); ++r) {
    const float* row = log_probs.data() + r * vocab;
    std::vector<int32_t> labels(vocab - Vocabulary::kSpecials);
    std::iota(labels.begin(), labels.end(), Vocabulary::kSpecials);
    const size_t shown = std::min(labels.size(), std::max<size_t>(n_best, 1));
    std::partial_sort(labels.begin(), labels.begin() + shown, labels.end(),
                      [&](int32_t a, int32_t b) { return row[a] > row[b]; });
    labels.resize(shown);
    for (int32_t label : labels) out[r].probabilities.push_back(std::exp(row[label]));
    out[r].labels = std::move(labels);
    if (attention.defined()) {
      const float* weights = attention.data() + r * attention.dim(1);
      out[r].attention.assign(weights, weights + sources[r].size());
    }
  }
  return out;
}

}  // namespace attn
