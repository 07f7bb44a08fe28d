// Greedy decoding: every sentence of the batch takes its most probable next token until it
// emits EOS or reaches its length limit. Sentences are decoded together, one row each;
// a finished sentence's row is dropped (reorder) so it stops costing compute.
//
//   BeamOptions options;                  // beam_size and n_best are not read
//   options.max_length_factor = 2.0f;
//   std::vector<NBest> out = greedy_search(model, {{5, 9, 7}, {4, 4}}, options);
//   out[1][0].tokens;                     // the second sentence's output, without BOS/EOS
//
// Ties go to the lowest token id, as in beam_search, so beam size 1 gives the same output.
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/decode/decoder_model.h"
#include "libattn/decode/hypothesis.h"

namespace attn {

// One NBest per source sentence, each holding exactly one hypothesis.
std::vector<NBest> greedy_search(DecoderModel& model,
                                 const std::vector<std::vector<int32_t>>& sources,
                                 const BeamOptions& options);

}  // namespace attn
