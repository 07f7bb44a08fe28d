// Decoding for a model whose target is one label (attention_classifier.h): its first step is
// the whole label distribution, so the answer is that step's best labels, without a search.
//
//   std::vector<Classification> out = classify(model, {{5, 9, 7}}, 3);  // 3 best labels
//   out[0].labels[0], out[0].probabilities[0], out[0].attention[j]      // j: source token
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/decode/decoder_model.h"

namespace attn {

struct Classification {
  std::vector<int32_t> labels;       // best first; never a special token
  std::vector<float> probabilities;  // of each label
  std::vector<float> attention;      // one weight a source token; empty if the model gives none
};

// One Classification a source, with min(n_best, labels) labels (at least one).
std::vector<Classification> classify(DecoderModel& model,
                                     const std::vector<std::vector<int32_t>>& sources,
                                     size_t n_best);

}  // namespace attn
