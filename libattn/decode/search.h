// The search BeamOptions asks for, written once for every caller (attn-decode, attn-inspect,
// validation during training, the decoding benchmark): greedy for beam size 1, beam search
// otherwise (the same output, without the beam's bookkeeping).
//
//   std::vector<NBest> out = search(model, sources, options);
#pragma once

#include <cstdint>
#include <vector>

#include "libattn/decode/beam_search.h"
#include "libattn/decode/decoder_model.h"
#include "libattn/decode/hypothesis.h"

namespace attn {

std::vector<NBest> search(DecoderModel& model, const std::vector<std::vector<int32_t>>& sources,
                          const BeamOptions& options);

}  // namespace attn
