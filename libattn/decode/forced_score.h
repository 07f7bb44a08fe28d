// Teacher-forced scoring: the log-probability a model gives a given output, through the same
// encode / step / reorder calls the searches use (so every model can be scored, and a score
// equals what beam search adds up for that output).
//
//   std::vector<double> f0 = forced_scores(model, {{5, 9}, {4}}, {{7, 8}, {}});
//   f0[1];   // log P(</s> | source {4}): the empty output still ends with EOS
//
// One row per pair; a row leaves the batch once its output and its EOS are scored. This is
// Marian's F0 in an n-best list, and what marian-scorer prints.
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/decode/decoder_model.h"

namespace attn {

// Sum over t of log P(targets[i][t] | source, prefix), plus log P(EOS | whole target). Targets
// hold no BOS or EOS. Sources must be non-empty; sizes must match.
std::vector<double> forced_scores(DecoderModel& model,
                                  const std::vector<std::vector<int32_t>>& sources,
                                  const std::vector<std::vector<int32_t>>& targets);

}  // namespace attn
